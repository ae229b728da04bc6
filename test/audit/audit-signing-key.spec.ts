import { keyId, rawEd25519PublicKey } from '@app/event-store';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_KEY_NAME, AuditSigningKey, DEVELOPMENT_KEY_FILE } from '../../src/audit/audit-signing-key';
import { loadConfig } from '../../src/config/env.schema';

const silent = { warn: () => undefined } as never;

describe('AuditSigningKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads AUDIT_SIGNING_KEY given as PEM text or as a path, with the C2SP key id', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const path = join(dir, 'key.pem');
    writeFileSync(path, pem);
    for (const value of [pem, path]) {
      const key = AuditSigningKey.fromConfig(loadConfig({ NODE_ENV: 'test', AUDIT_SIGNING_KEY: value }), silent);
      expect(key.keyName).toBe(AUDIT_KEY_NAME);
      expect(key.keyId.equals(keyId(AUDIT_KEY_NAME, rawEd25519PublicKey(publicKey)))).toBe(true);
      expect(key.publicKeyPem).toBe(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    }
  });

  it('refuses a key that is not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => AuditSigningKey.fromConfig(loadConfig({ NODE_ENV: 'test', AUDIT_SIGNING_KEY: rsa }), silent)).toThrow(/Ed25519/);
  });

  it('in development without a key, generates one once and keeps it (mode 0600) in the data folder', () => {
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: join(dir, 'data') });
    const first = AuditSigningKey.fromConfig(config, silent);
    const file = join(dir, 'data', DEVELOPMENT_KEY_FILE);
    expect(readFileSync(file, 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = AuditSigningKey.fromConfig(config, silent);
    expect(second.keyId.equals(first.keyId)).toBe(true);
  });
});
