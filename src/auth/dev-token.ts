import { SignJWT } from 'jose';
import type { Role } from './actor';

export interface TokenClaims {
  readonly sub: string;
  readonly role: Role;
  readonly country?: string | undefined;
}

/**
 * Mints an HS256 token as the identity provider would. For development, tests and benchmarks only:
 * production verifies tokens it never issued.
 */
export function mintToken(
  secret: Uint8Array,
  claims: TokenClaims,
  options: { ttlSeconds?: number; issuer?: string | undefined; audience?: string | undefined } = {},
): Promise<string> {
  const jwt = new SignJWT({ role: claims.role, ...(claims.country === undefined ? {} : { country: claims.country }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 8 * 3600}s`);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(secret);
}
