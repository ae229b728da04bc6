import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ROLES, type Actor, type Role } from './actor';
import { VerifiedTokenCache } from './verified-token-cache';

const COUNTRY = /^[A-Z]{2}$/;
/** A control character (U+0000 cannot be stored; a newline would forge log lines) or an unpaired surrogate. */
const UNUSABLE_IN_SUB = /[\p{Cc}\p{Cs}]/u;

type PublicKey = Awaited<ReturnType<typeof importSPKI>>;

/** Why a token was refused; the message is safe to show to the caller. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** The identity provider's key set could not be fetched: the token can be neither accepted nor refused (503). */
export class TokenVerificationUnavailableError extends Error {
  override readonly name = 'TokenVerificationUnavailableError';
}

/** The only algorithms a key set may verify: asymmetric ones (never `none`, never HS* with a public key). */
export const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];
/** An unknown `kid` fetches the key set again at most this often. */
export const JWKS_REFETCH_INTERVAL_MS = 60_000;
const JWKS_TIMEOUT_MS = 5_000;
/** A role claim that is an array grants the first of these it contains. */
const ROLE_PRECEDENCE: readonly Role[] = ['admin', 'auditor', 'officer', 'partner'];

/**
 * Verifies bearer tokens issued by the identity provider: with JWT_JWKS_URL, against the
 * provider's key set only (by `kid`, RS256/PS256/ES256/EdDSA); otherwise HS256 with JWT_SECRET, or
 * RS256/EdDSA with JWT_PUBLIC_KEY; `alg: none` is never accepted. Issuer and audience are checked
 * when set. Role and country come from the claims JWT_ROLE_CLAIM and JWT_COUNTRY_CLAIM name.
 */
@Injectable()
export class TokenVerifier {
  private publicKey?: Promise<PublicKey>;
  /** The HS256 key imported once: jose re-imports a raw secret on every verification. */
  private readonly secretKey: KeyObject | undefined;
  private readonly cache = new VerifiedTokenCache();
  private readonly jwks: JWTVerifyGetKey | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.secretKey = config.jwt.secret === undefined ? undefined : createSecretKey(config.jwt.secret);
    this.jwks =
      config.jwt.jwksUrl === undefined
        ? undefined
        : createRemoteJWKSet(new URL(config.jwt.jwksUrl), { cooldownDuration: JWKS_REFETCH_INTERVAL_MS, timeoutDuration: JWKS_TIMEOUT_MS });
  }

  async verify(token: string): Promise<Actor> {
    const now = Date.now();
    const cached = this.cache.get(token, now);
    if (cached !== undefined) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await this.verifySignature(token));
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (isKeySetUnavailable(error)) throw new TokenVerificationUnavailableError('the identity provider\'s key set cannot be fetched; try again shortly');
      if (error instanceof errors.JWKSNoMatchingKey) throw new InvalidTokenError('the token is signed by a key the identity provider does not list');
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError('the token has expired');
      if (error instanceof errors.JOSEAlgNotAllowed) throw new InvalidTokenError('the token is signed with an algorithm this service does not accept');
      if (error instanceof errors.JWTClaimValidationFailed) throw new InvalidTokenError(`the token's ${error.claim} claim is not accepted`);
      throw new InvalidTokenError('the token is malformed or its signature does not verify');
    }
    const actor = toActor(payload, this.config.jwt.roleClaim, this.config.jwt.countryClaim);
    // Required claim: jwtVerify has checked that exp is present and in the future.
    if (typeof payload.exp === 'number') this.cache.set(token, actor, payload.exp * 1000);
    return actor;
  }

  private async verifySignature(token: string) {
    const { jwt } = this.config;
    const options = {
      ...(jwt.issuer === undefined ? {} : { issuer: jwt.issuer }),
      ...(jwt.audience === undefined ? {} : { audience: jwt.audience }),
      requiredClaims: ['exp', 'sub'],
    };
    if (this.jwks !== undefined) return jwtVerify(token, this.jwks, { ...options, algorithms: JWKS_ALGORITHMS });
    if (jwt.publicKeyPem !== undefined) {
      this.publicKey ??= importPublicKey(jwt.publicKeyPem);
      const key = await this.publicKey;
      return jwtVerify(token, key, { ...options, algorithms: ['RS256', 'EdDSA', 'Ed25519'] });
    }
    if (this.secretKey === undefined) throw new InvalidTokenError('no token verification key is configured');
    return jwtVerify(token, this.secretKey, { ...options, algorithms: ['HS256'] });
  }
}

async function importPublicKey(pem: string): Promise<PublicKey> {
  // The algorithm is fixed by the key type; try RSA first, then Ed25519.
  try {
    return await importSPKI(pem, 'RS256');
  } catch {
    return importSPKI(pem, 'EdDSA');
  }
}

/** A fetch that failed or timed out, or a key set that is not one: the provider's side, not the token's. */
function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  // An HTTP error status, and a body that is not JSON.
  if (error instanceof errors.JOSEError) return /JSON Web Key Set HTTP response/.test(error.message);
  // fetch's network failures (TypeError: fetch failed: connection refused, DNS, TLS), by name:
  // fetch may throw from another realm, where instanceof does not hold.
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TypeError';
}

/** The value at a dot path (`realm_access.roles`) of the claims; a claim named with the dots themselves wins. */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The role a claim grants: a string naming one, or an array granting the first of admin, auditor, officer, partner it holds. */
function roleFrom(claim: unknown): unknown {
  if (!Array.isArray(claim)) return claim;
  return ROLE_PRECEDENCE.find((role) => claim.includes(role));
}

function toActor(payload: JWTPayload, roleClaim = 'role', countryClaim = 'country'): Actor {
  const { sub } = payload;
  const role = roleFrom(claimAt(payload, roleClaim));
  const country = claimAt(payload, countryClaim);
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200 || UNUSABLE_IN_SUB.test(sub)) {
    throw new InvalidTokenError('the token has no usable sub claim');
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new InvalidTokenError(`the token's role claim must be one of ${ROLES.join(', ')}`);
  }
  if (role === 'partner') {
    if (typeof country !== 'string' || !COUNTRY.test(country)) {
      throw new InvalidTokenError('a partner token must carry an ISO 3166-1 alpha-2 country claim');
    }
    return { sub, role, country };
  }
  return { sub, role: role as Exclude<Role, 'partner'> };
}

