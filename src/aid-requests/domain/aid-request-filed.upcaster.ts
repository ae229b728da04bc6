import type { LegacyContact } from './aid-request.events';

/**
 * AidRequestFiled schema 1 → 2: schema 1 stored the contact in plaintext; schema 2 stores only
 * its ciphertext. A schema-1 event is sealed in the audit log as written, so its plaintext cannot
 * be rewritten; readers get the LegacyContact mark instead, and the plaintext goes no further than
 * the stored event (the API shows the contact from its re-encrypted copy; see LegacyContacts).
 */
export function upcastAidRequestFiledV1(data: unknown): unknown {
  const v1 = data as { readonly contact?: unknown };
  if (v1.contact === null || v1.contact === undefined) return { ...v1, contact: null };
  const legacy: LegacyContact = { legacyPlaintext: true };
  return { ...v1, contact: legacy };
}
