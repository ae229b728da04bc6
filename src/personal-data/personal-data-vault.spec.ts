import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import type { EncryptedContact } from '../aid-requests/domain/aid-request.events';
import { decryptContact, encryptContact, EnvironmentKeyVault, PersonalDataUnreadableError } from './personal-data-vault';

const REQUEST = '019ac9a0-0000-7000-8000-00000000f001';
const OTHER = '019ac9a0-0000-7000-8000-00000000f002';
const ana = { name: 'Ana Mora', email: 'ana@csirt.example.cr' };

/** Flips one bit of a base64 field. */
function flip(base64: string, byte = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('PersonalDataVault (envelope encryption with node:crypto)', () => {
  const vault = new EnvironmentKeyVault(randomBytes(32));

  it('round-trips a contact through a new data key, sealed and opened again', async () => {
    const { key, sealed } = await vault.newDataKey(REQUEST);
    const stored = encryptContact(key, REQUEST, ana);
    const opened = await vault.openDataKey(REQUEST, sealed);
    expect(opened.equals(key)).toBe(true);
    expect(decryptContact(opened, REQUEST, stored)).toEqual(ana);
  });

  it('stores nothing readable: no plaintext in the stored form, a random 96-bit IV each time, a 128-bit tag', async () => {
    const { key, sealed } = await vault.newDataKey(REQUEST);
    const first = encryptContact(key, REQUEST, ana);
    const second = encryptContact(key, REQUEST, ana);
    const text = JSON.stringify(first) + sealed.toString('latin1');
    expect(text).not.toMatch(/Ana|Mora|csirt/u);
    expect(Buffer.from(first.encrypted.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(first.encrypted.tag, 'base64')).toHaveLength(16);
    expect(first.encrypted.iv).not.toBe(second.encrypted.iv);
    expect(first.encrypted.ciphertext).not.toBe(second.encrypted.ciphertext);
    expect(sealed.includes(key)).toBe(false);
  });

  it('each request has its own data key', async () => {
    const a = await vault.newDataKey(REQUEST);
    const b = await vault.newDataKey(REQUEST);
    expect(a.key.equals(b.key)).toBe(false);
  });

  it('a wrong PERSONAL_DATA_KEY is a clear error, never garbage', async () => {
    const { sealed } = await vault.newDataKey(REQUEST);
    const other = new EnvironmentKeyVault(randomBytes(32));
    await expect(other.openDataKey(REQUEST, sealed)).rejects.toThrow(PersonalDataUnreadableError);
    await expect(other.openDataKey(REQUEST, sealed)).rejects.toThrow(/does not open with PERSONAL_DATA_KEY/u);
  });

  it('a sealed data key moved to another request does not open (bound to its request id)', async () => {
    const { sealed } = await vault.newDataKey(REQUEST);
    await expect(vault.openDataKey(OTHER, sealed)).rejects.toThrow(PersonalDataUnreadableError);
  });

  it('a tampered sealed key is detected, in every part', async () => {
    const { sealed } = await vault.newDataKey(REQUEST);
    for (const at of [1, 13, 29, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[at] = (altered[at] ?? 0) ^ 0x01;
      await expect(vault.openDataKey(REQUEST, altered)).rejects.toThrow(PersonalDataUnreadableError);
    }
    await expect(vault.openDataKey(REQUEST, sealed.subarray(0, 20))).rejects.toThrow(/not in a known format/u);
  });

  it('GCM detects a tampered ciphertext, tag or IV of the contact', async () => {
    const { key } = await vault.newDataKey(REQUEST);
    const stored = encryptContact(key, REQUEST, ana);
    const variants: EncryptedContact[] = [
      { encrypted: { ...stored.encrypted, ciphertext: flip(stored.encrypted.ciphertext, 3) } },
      { encrypted: { ...stored.encrypted, tag: flip(stored.encrypted.tag) } },
      { encrypted: { ...stored.encrypted, iv: flip(stored.encrypted.iv) } },
    ];
    for (const altered of variants) expect(() => decryptContact(key, REQUEST, altered)).toThrow(PersonalDataUnreadableError);
  });

  it('a contact ciphertext copied into another request does not decrypt (the request id is the AAD)', async () => {
    const { key } = await vault.newDataKey(REQUEST);
    const stored = encryptContact(key, REQUEST, ana);
    expect(() => decryptContact(key, OTHER, stored)).toThrow(/altered or belongs to another request/u);
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => new EnvironmentKeyVault(randomBytes(16))).toThrow(/32 bytes/u);
  });
});

describe('PersonalDataVault properties', () => {
  const vault = new EnvironmentKeyVault(randomBytes(32));
  const contact = fc.record({ name: fc.string({ maxLength: 200 }), email: fc.string({ maxLength: 320 }) });

  it('any contact round-trips, and its stored form never contains it', async () => {
    await fc.assert(
      fc.asyncProperty(contact, async (given) => {
        const { key, sealed } = await vault.newDataKey(REQUEST);
        const stored = encryptContact(key, REQUEST, given);
        expect(decryptContact(await vault.openDataKey(REQUEST, sealed), REQUEST, stored)).toEqual(given);
        if (given.name.length >= 4) expect(JSON.stringify(stored)).not.toContain(JSON.stringify(given.name).slice(1, -1));
      }),
      { numRuns: 200 },
    );
  });

  it('any single flipped bit of ciphertext, tag or IV is detected', async () => {
    const { key } = await vault.newDataKey(REQUEST);
    const stored = encryptContact(key, REQUEST, ana);
    const parts = ['ciphertext', 'tag', 'iv'] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...parts), fc.nat(), fc.integer({ min: 0, max: 7 }), async (part, at, bit) => {
        const bytes = Buffer.from(stored.encrypted[part], 'base64');
        const index = at % bytes.length;
        bytes[index] = (bytes[index] ?? 0) ^ (1 << bit);
        const altered: EncryptedContact = { encrypted: { ...stored.encrypted, [part]: bytes.toString('base64') } };
        expect(() => decryptContact(key, REQUEST, altered)).toThrow(PersonalDataUnreadableError);
        return Promise.resolve();
      }),
      { numRuns: 300 },
    );
  });
});
