import { Inject, Injectable } from '@nestjs/common';
import { errors, importSPKI, jwtVerify, type JWTPayload } from 'jose';
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

/**
 * Verifies bearer tokens issued by the identity provider: HS256 with JWT_SECRET, or RS256/EdDSA
 * with JWT_PUBLIC_KEY; `alg: none` is never accepted. Issuer and audience are checked when set.
 */
@Injectable()
export class TokenVerifier {
  private publicKey?: Promise<PublicKey>;
  /** The HS256 key imported once: jose re-imports a raw secret on every verification. */
  private readonly secretKey: KeyObject | undefined;
  private readonly cache = new VerifiedTokenCache();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.secretKey = config.jwt.secret === undefined ? undefined : createSecretKey(config.jwt.secret);
  }

  async verify(token: string): Promise<Actor> {
    const now = Date.now();
    const cached = this.cache.get(token, now);
    if (cached !== undefined) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await this.verifySignature(token));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError('the token has expired');
      if (error instanceof errors.JOSEAlgNotAllowed) throw new InvalidTokenError('the token is signed with an algorithm this service does not accept');
      if (error instanceof errors.JWTClaimValidationFailed) throw new InvalidTokenError(`the token's ${error.claim} claim is not accepted`);
      throw new InvalidTokenError('the token is malformed or its signature does not verify');
    }
    const actor = toActor(payload);
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

function toActor(payload: JWTPayload): Actor {
  const { sub, role, country } = payload as JWTPayload & { role?: unknown; country?: unknown };
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

