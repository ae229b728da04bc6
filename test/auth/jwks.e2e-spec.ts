import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createTestApp, TEST_JWT_SECRET, type TestApp, type TestResponse } from '../support/test-app';

/*
 * Tokens from an identity provider's JSON Web Key Set, served by a real HTTP server: kid
 * selection, the asymmetric algorithms only, iss/aud, role and country from configurable claim
 * paths, and 503 (never 500) while the key set is out of reach, recovering when it is back.
 */

const ISSUER = 'https://idp.example.org/realms/cdt';
const AUDIENCE = 'cdt-fund-api';

interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(kid: string, alg: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A key set server: the keys it lists can change, it counts fetches, and it can be stopped and started on its port. */
class JwksServer {
  keys: SigningKey[] = [];
  fetches = 0;
  private server?: Server;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.url !== '/certs') {
        response.writeHead(404).end();
        return;
      }
      this.fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/certs`;
  }
}

function token(key: SigningKey, claims: JWTPayload, options: { alg?: string; kid?: string | null; issuer?: string; audience?: string } = {}): Promise<string> {
  const header = { alg: options.alg ?? key.alg, ...(options.kid === null ? {} : { kid: options.kid ?? key.kid }) };
  return new SignJWT(claims)
    .setProtectedHeader(header)
    .setSubject(typeof claims.sub === 'string' ? claims.sub : 'someone')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

function unsigned(claims: JWTPayload): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', kid: 'rsa-1' })}.${encode({ ...claims, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })}.`;
}

const keycloakOfficer = { sub: 'kc-officer', realm_access: { roles: ['offline_access', 'uma_authorization', 'officer'] }, country: 'US' };

let jwks: JwksServer;
let t: TestApp;
let rsa: SigningKey;

async function queue(bearer: string): Promise<TestResponse> {
  return t.request({ method: 'GET', url: '/v1/queue', headers: { authorization: `Bearer ${bearer}` } });
}

beforeAll(async () => {
  rsa = await signingKey('rsa-1', 'RS256');
  jwks = new JwksServer();
  jwks.keys = [rsa, await signingKey('ps-1', 'PS256'), await signingKey('ec-1', 'ES256'), await signingKey('ed-1', 'EdDSA')];
  await jwks.start();
  t = await createTestApp({
    env: {
      APP_ROLE: 'api',
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ROLE_CLAIM: 'realm_access.roles',
      JWT_COUNTRY_CLAIM: 'attributes.country',
    },
  });
});
afterAll(async () => {
  await t.close();
  await jwks.stop();
});

describe('tokens verified against a JSON Web Key Set', () => {
  it('accepts RS256, PS256, ES256 and EdDSA tokens, choosing the key by kid', async () => {
    for (const key of jwks.keys) {
      const response = await queue(await token(key, keycloakOfficer));
      expect({ alg: key.alg, status: response.statusCode }).toEqual({ alg: key.alg, status: 200 });
    }
  });

  it('takes the role from an array claim (the first of admin, auditor, officer, partner) and the country from its path', async () => {
    const both = await token(rsa, { sub: 'kc-both', realm_access: { roles: ['partner', 'auditor'] } });
    expect((await t.request({ method: 'GET', url: '/v1/audit/events', headers: { authorization: `Bearer ${both}` } })).statusCode).toBe(200);
    const partner = await token(rsa, { sub: 'kc-cr', realm_access: { roles: ['partner'] }, attributes: { country: 'CR' } });
    const list = await t.request({ method: 'GET', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` } });
    expect(list.statusCode).toBe(200);
    expect((await queue(partner)).statusCode).toBe(403);
    const noCountry = await token(rsa, { sub: 'kc-x', realm_access: { roles: ['partner'] }, country: 'CR' });
    expect((await queue(noCountry)).statusCode).toBe(401);
    const noRole = await token(rsa, { sub: 'kc-y', realm_access: { roles: ['offline_access'] } });
    expect((await queue(noRole)).statusCode).toBe(401);
  });

  it('refuses alg none, HS256 (with the shared secret or with the public key as a secret), other algorithms, unknown kids, and wrong iss or aud', async () => {
    const refused: string[] = [unsigned(keycloakOfficer)];
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);
    refused.push(await new SignJWT(keycloakOfficer).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(secret));
    const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    refused.push(await new SignJWT(keycloakOfficer).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(publicKeyAsSecret));
    const rs384 = await signingKey('rsa-384', 'RS384');
    jwks.keys.push(rs384);
    refused.push(await token(rs384, keycloakOfficer));
    refused.push(await token(rsa, keycloakOfficer, { kid: 'nobody-knows-me' }));
    refused.push(await token(await signingKey('rsa-1', 'RS256'), keycloakOfficer)); // the right kid, another key
    refused.push(await token(rsa, keycloakOfficer, { issuer: 'https://evil.example/realms/cdt' }));
    refused.push(await token(rsa, keycloakOfficer, { audience: 'another-api' }));
    jwks.keys.pop();
    for (const [i, bearer] of refused.entries()) {
      const response = await queue(bearer);
      expect({ i, status: response.statusCode, type: response.headers['content-type'] }).toEqual({ i, status: 401, type: expect.stringContaining('application/problem+json') });
    }
  });

  it('answers 503 (never 500) while the key set is unreachable, and recovers when it is back', async () => {
    const port = jwks.port;
    // A key the service has not fetched yet, so that verifying needs the key set.
    const later = await signingKey('rsa-2', 'RS256');
    await jwks.stop();
    const fresh = await createTestApp({ env: { APP_ROLE: 'api', JWT_JWKS_URL: jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_ROLE_CLAIM: 'realm_access.roles' } });
    try {
      const bearer = await token(later, keycloakOfficer);
      const down = await fresh.request({ method: 'GET', url: '/v1/queue', headers: { authorization: `Bearer ${bearer}` } });
      expect(down.statusCode).toBe(503);
      expect(down.headers['content-type']).toContain('application/problem+json');
      expect(down.headers['retry-after']).toBe('5');
      expect(down.json().type).toBe('urn:cdt-fund:problem:auth.key_set_unavailable');
      jwks.keys.push(later);
      await jwks.start(port);
      const up = await fresh.request({ method: 'GET', url: '/v1/queue', headers: { authorization: `Bearer ${bearer}` } });
      expect(up.statusCode).toBe(200);
    } finally {
      await fresh.close();
    }
  });

  it('refetches the key set for an unknown kid at most once a minute', async () => {
    // The service under test fetched the set in the first tests; a key added now is unknown to it.
    const rotated = await signingKey('rsa-rotated', 'RS256');
    jwks.keys.push(rotated);
    const bearer = await token(rotated, keycloakOfficer);
    const before = jwks.fetches;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await queue(bearer)).statusCode);
    // Within the minute of the last fetch: at most one refetch, however many unknown kids arrive.
    expect(jwks.fetches - before).toBeLessThanOrEqual(1);
    const refetched = jwks.fetches - before === 1;
    if (!refetched) {
      expect(statuses).toEqual([401, 401, 401]);
      await new Promise((resolve) => setTimeout(resolve, 61_000));
      statuses.push((await queue(bearer)).statusCode);
      expect(jwks.fetches - before).toBe(1);
    }
    expect(statuses.at(-1)).toBe(200);
    for (let i = 0; i < 3; i++) expect((await queue(await token(rsa, keycloakOfficer, { kid: `unknown-${i}` }))).statusCode).toBe(401);
    expect(jwks.fetches - before).toBe(1);
  }, 90_000);
});
