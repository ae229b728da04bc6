import { Logger } from '@nestjs/common';
import { keyId, rawEd25519PublicKey } from '@app/event-store';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { loadOrCreateDevelopmentSecret } from '../config/development-secret';

/** The log's origin line in checkpoints and the signer's key name in the signed notes. */
export const AUDIT_KEY_NAME = 'cdt-fund/audit-log';

/** The file a development key is kept in, under `config.dataDir`. */
export const DEVELOPMENT_KEY_FILE = 'audit-signing-key.pem';

/**
 * The Ed25519 key that signs audit checkpoints. From `AUDIT_SIGNING_KEY` (PEM text or a path to a
 * PEM file); without it (never in production: the configuration refuses that) a development key
 * is generated once and kept in `${dataDir}/audit-signing-key.pem` (mode 0600), and under
 * NODE_ENV=test an ephemeral key is used so that parallel test processes share no file.
 */
export class AuditSigningKey {
  readonly keyName = AUDIT_KEY_NAME;
  readonly publicKey: KeyObject;
  /** The C2SP key id: the first 4 bytes of SHA-256(keyName ‖ 0x0A ‖ 0x01 ‖ raw public key). */
  readonly keyId: Buffer;

  constructor(readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new Error('AUDIT_SIGNING_KEY must be an Ed25519 private key');
    }
    this.publicKey = createPublicKey(privateKey);
    this.keyId = keyId(this.keyName, rawEd25519PublicKey(this.publicKey));
  }

  get keyIdHex(): string {
    return this.keyId.toString('hex');
  }

  get publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  static fromConfig(config: AppConfig, logger = new Logger('audit')): AuditSigningKey {
    const configured = config.audit.signingKey;
    if (configured !== undefined && configured.trim() !== '') return new AuditSigningKey(parsePrivateKey(configured));
    if (config.nodeEnv === 'production') throw new Error('AUDIT_SIGNING_KEY is required when NODE_ENV=production');
    if (config.nodeEnv === 'test') {
      return new AuditSigningKey(generateKeyPairSync('ed25519').privateKey);
    }
    const file = join(config.dataDir, DEVELOPMENT_KEY_FILE);
    const key = loadOrCreateDevelopmentKey(file);
    logger.warn(`AUDIT_SIGNING_KEY is not set: signing audit checkpoints with the development key in ${file} (never do this in production)`);
    return new AuditSigningKey(key);
  }
}

function parsePrivateKey(value: string): KeyObject {
  const pem = value.includes('-----BEGIN') ? value.replace(/\\n/gu, '\n') : readFileSync(value, 'utf8');
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new Error(`AUDIT_SIGNING_KEY is not a readable private key: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function loadOrCreateDevelopmentKey(file: string): KeyObject {
  const generate = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return createPrivateKey(loadOrCreateDevelopmentSecret(file, generate));
}
