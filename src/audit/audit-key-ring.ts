import { keyId, rawEd25519PublicKey } from '@app/event-store';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/app-config';
import type { AuditSigningKey } from './audit-signing-key';

/** One checkpoint-signing public key as `GET /v1/audit/public-keys` lists it. */
export interface AuditPublicKeyView {
  readonly keyId: string;
  readonly keyName: string;
  readonly publicKeyPem: string;
  /** True for the key that signs new checkpoints. */
  readonly current: boolean;
}

interface PreviousKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
}

/**
 * Every key whose checkpoints this service vouches for: the current signing key and the public
 * keys of AUDIT_PREVIOUS_PUBLIC_KEYS, which signed checkpoints before a rotation. Verifiers accept
 * a checkpoint by any of them; the sealer signs with the current one only.
 */
export class AuditKeyRing {
  readonly previous: readonly PreviousKey[];

  constructor(
    readonly current: AuditSigningKey,
    previousPublicKeys: readonly KeyObject[],
  ) {
    const seen = new Set([current.keyIdHex]);
    const previous: PreviousKey[] = [];
    for (const publicKey of previousPublicKeys) {
      const id = keyId(current.keyName, rawEd25519PublicKey(publicKey)).toString('hex');
      if (seen.has(id)) continue;
      seen.add(id);
      previous.push({ keyId: id, publicKey });
    }
    this.previous = previous;
  }

  static fromConfig(config: AppConfig, current: AuditSigningKey): AuditKeyRing {
    return new AuditKeyRing(current, config.audit.previousPublicKeys.map(readPublicKey));
  }

  /** Every accepted public key, the current one first. */
  get publicKeys(): KeyObject[] {
    return [this.current.publicKey, ...this.previous.map((k) => k.publicKey)];
  }

  /** True when checkpoints signed by this hex key id are accepted. */
  knows(keyIdHex: string): boolean {
    return keyIdHex === this.current.keyIdHex || this.previous.some((k) => k.keyId === keyIdHex);
  }

  views(): AuditPublicKeyView[] {
    const { keyName } = this.current;
    return [
      { keyId: this.current.keyIdHex, keyName, publicKeyPem: this.current.publicKeyPem, current: true },
      ...this.previous.map((k) => ({ keyId: k.keyId, keyName, publicKeyPem: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(), current: false })),
    ];
  }
}

/** One AUDIT_PREVIOUS_PUBLIC_KEYS entry: a PEM text or a path to a PEM file, holding an Ed25519 public key. */
function readPublicKey(entry: string): KeyObject {
  let publicKey: KeyObject;
  try {
    const pem = entry.includes('-----BEGIN') ? entry : readFileSync(entry, 'utf8');
    if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw new Error('expected "-----BEGIN PUBLIC KEY-----" (never a private key)');
    publicKey = createPublicKey(pem);
  } catch (error) {
    const what = entry.includes('-----BEGIN') ? 'a PEM entry' : `"${entry}"`;
    throw new Error(`AUDIT_PREVIOUS_PUBLIC_KEYS: ${what} is not a readable public key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`AUDIT_PREVIOUS_PUBLIC_KEYS: every key must be an Ed25519 public key (got ${publicKey.asymmetricKeyType ?? publicKey.type})`);
  }
  return publicKey;
}
