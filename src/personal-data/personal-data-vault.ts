import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Contact, EncryptedContact } from '../aid-requests/domain/aid-request.events';

/**
 * All the cryptography of personal data, with node:crypto only (envelope encryption):
 * - each request has a data key of its own (256 random bits) that encrypts its contact details
 *   with AES-256-GCM (random 96-bit IV, 128-bit tag, the request id as additional authenticated
 *   data, so that a ciphertext moved to another request does not decrypt);
 * - the data key is stored only sealed, by the vault's master key (PERSONAL_DATA_KEY, see
 *   EnvironmentKeyVault), bound to its request id the same way;
 * - erasure destroys the sealed data key, and with it every copy of the plaintext.
 * The vault is the port a KMS can take the place of (docs/personal-data.md): it seals and opens
 * data keys and knows nothing else.
 */
export abstract class PersonalDataVault {
  /** A new data key for a request: the key itself (kept in memory only) and its sealed form (stored). */
  abstract newDataKey(requestId: string): Promise<{ readonly key: Buffer; readonly sealed: Buffer }>;
  /** The data key of a request from its sealed form; PersonalDataUnreadableError when it cannot be opened. */
  abstract openDataKey(requestId: string, sealed: Buffer): Promise<Buffer>;
}

/** Stored data that cannot be decrypted: the key is not the one it was sealed with, or the bytes were altered. */
export class PersonalDataUnreadableError extends Error {
  override readonly name = 'PersonalDataUnreadableError';
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** The first byte of a sealed data key: its format (iv ‖ tag ‖ ciphertext under the master key). */
const SEALED_FORMAT = 1;

/** The vault whose master key is PERSONAL_DATA_KEY (32 bytes), held in the process's memory. */
export class EnvironmentKeyVault extends PersonalDataVault {
  constructor(private readonly masterKey: Buffer) {
    super();
    if (masterKey.length !== KEY_BYTES) throw new Error(`PERSONAL_DATA_KEY must be ${KEY_BYTES} bytes, not ${masterKey.length}`);
  }

  newDataKey(requestId: string): Promise<{ key: Buffer; sealed: Buffer }> {
    const key = randomBytes(KEY_BYTES);
    const { iv, ciphertext, tag } = seal(this.masterKey, key, dataKeyAad(requestId));
    return Promise.resolve({ key, sealed: Buffer.concat([Buffer.of(SEALED_FORMAT), iv, tag, ciphertext]) });
  }

  openDataKey(requestId: string, sealed: Buffer): Promise<Buffer> {
    if (sealed.length !== 1 + IV_BYTES + TAG_BYTES + KEY_BYTES || sealed[0] !== SEALED_FORMAT) {
      return Promise.reject(new PersonalDataUnreadableError(`the sealed data key of request ${requestId} is not in a known format`));
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const ciphertext = sealed.subarray(1 + IV_BYTES + TAG_BYTES);
    try {
      return Promise.resolve(open(this.masterKey, { iv, ciphertext, tag }, dataKeyAad(requestId)));
    } catch {
      return Promise.reject(
        new PersonalDataUnreadableError(
          `the data key of request ${requestId} does not open with PERSONAL_DATA_KEY: the key is not the one it was sealed with, or the stored key was altered`,
        ),
      );
    }
  }
}

/** Encrypts a contact under a request's data key. `iv` is for tests; leave it out. */
export function encryptContact(dataKey: Buffer, requestId: string, contact: Contact, iv: Buffer = randomBytes(IV_BYTES)): EncryptedContact {
  const plaintext = Buffer.from(JSON.stringify({ name: contact.name, email: contact.email }), 'utf8');
  const sealed = seal(dataKey, plaintext, contactAad(requestId), iv);
  return { encrypted: { v: 1, iv: sealed.iv.toString('base64'), ciphertext: sealed.ciphertext.toString('base64'), tag: sealed.tag.toString('base64') } };
}

/** The contact back from its stored form; PersonalDataUnreadableError on a wrong key, another request's ciphertext, or any altered byte. */
export function decryptContact(dataKey: Buffer, requestId: string, stored: EncryptedContact): Contact {
  const { v, iv, ciphertext, tag } = stored.encrypted;
  if (v !== 1) throw new PersonalDataUnreadableError(`the contact of request ${requestId} is in an unknown format (v${String(v)})`);
  let plaintext: Buffer;
  try {
    plaintext = open(dataKey, { iv: Buffer.from(iv, 'base64'), ciphertext: Buffer.from(ciphertext, 'base64'), tag: Buffer.from(tag, 'base64') }, contactAad(requestId));
  } catch {
    throw new PersonalDataUnreadableError(`the contact of request ${requestId} does not decrypt with its data key: the ciphertext was altered or belongs to another request`);
  }
  const parsed = JSON.parse(plaintext.toString('utf8')) as Contact;
  return { name: parsed.name, email: parsed.email };
}

function dataKeyAad(requestId: string): Buffer {
  return Buffer.from(`cdt-fund/personal-data-key/v1\n${requestId}`, 'utf8');
}

function contactAad(requestId: string): Buffer {
  return Buffer.from(`cdt-fund/contact/v1\n${requestId}`, 'utf8');
}

interface Sealed {
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer, iv: Buffer = randomBytes(IV_BYTES)): Sealed {
  if (iv.length !== IV_BYTES) throw new RangeError(`an AES-GCM IV here is ${IV_BYTES} bytes`);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Throws when the tag does not verify (wrong key, wrong AAD, altered bytes). */
function open(key: Buffer, { iv, ciphertext, tag }: Sealed, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad iv or tag length');
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}
