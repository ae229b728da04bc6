import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { auditLeafBytes, auditLeafHash, auditLeafRecord, canonicalJson, chainGenesis, hashChain } from './canonical';
import { leafHash } from './merkle-hash';

const sha256 = (...parts: Uint8Array[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();

describe('canonicalJson (RFC 8785)', () => {
  it('canonicalizes the RFC 8785 §3.2.2 sample to the §3.2.3 output', () => {
    const sample = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`) as unknown;
    expect(canonicalJson(sample)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 sorting example), recursively', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': { z: 1, a: [{ y: 2, b: 3 }] },
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":{"a":[{"b":3,"y":2}],"z":1},' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('throws on values without a JSON form, NaN, Infinity, BigInt and cycles', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson([Infinity])).toThrow(TypeError);
    expect(() => canonicalJson({ a: 10n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(() => canonicalJson(cycle)).toThrow(TypeError);
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(new Date('2026-11-28T10:00:00Z'))).toBe('"2026-11-28T10:00:00.000Z"');
  });
});

describe('canonicalJson against canonicalize, the RFC 8785 reference implementation', () => {
  const agree = (value: unknown): boolean => canonicalJson(value) === canonicalize(value);

  it('agrees on any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), agree), { numRuns: 5000 });
  });

  it('agrees on any JSON value with strings of any code points (lone surrogates, astral planes)', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary' }), agree), { numRuns: 5000 });
  });

  it('agrees on wide objects with keys of any code points (member sorting)', () => {
    const key = fc.string({ unit: 'binary', maxLength: 6 });
    fc.assert(fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 1, stringUnit: 'binary' }), { maxKeys: 300 }), agree), { numRuns: 300 });
  });
});

describe('audit leaves', () => {
  const recorded = {
    position: 42,
    transactionId: '981',
    eventId: '0b7e2a36-7f57-4f1e-9a8e-3f3f4d1d2c11',
    streamId: 'aid-request-7',
    streamType: 'AidRequest',
    version: 3,
    type: 'AidRequestFiled',
    schemaVersion: 2,
    data: { title: 'Café ☕', amount: 1500, tags: ['b', 'a'], nested: { z: null, a: true } },
    metadata: { actor: { sub: 'cr-csirt', role: 'partner', country: 'CR' }, correlationId: 'c-1' },
    recordedAt: new Date('2026-11-28T10:00:00.123Z'),
  };
  const expectedJcs =
    '{"data":{"amount":1500,"nested":{"a":true,"z":null},"tags":["b","a"],"title":"Café ☕"},' +
    '"metadata":{"actor":{"country":"CR","role":"partner","sub":"cr-csirt"},"correlationId":"c-1"},' +
    '"position":42,"recordedAt":"2026-11-28T10:00:00.123Z","schemaVersion":2,"streamId":"aid-request-7",' +
    '"type":"AidRequestFiled","version":3}';

  it('are the UTF-8 JCS of exactly the eight export fields, and leafHash = SHA-256(0x00 ‖ bytes)', () => {
    expect(auditLeafBytes(recorded).toString('utf8')).toBe(expectedJcs);
    expect(auditLeafBytes(recorded).equals(Buffer.from(expectedJcs, 'utf8'))).toBe(true);
    expect(auditLeafHash(recorded).equals(sha256(Buffer.from([0]), Buffer.from(expectedJcs, 'utf8')))).toBe(true);
    expect(auditLeafHash(recorded).equals(leafHash(auditLeafBytes(recorded)))).toBe(true);
    expect(Object.keys(auditLeafRecord(recorded)).sort()).toEqual(
      ['data', 'metadata', 'position', 'recordedAt', 'schemaVersion', 'streamId', 'type', 'version'],
    );
  });

  it('can be recomputed from the export line alone (JSON round trip, seq and leafHash present)', () => {
    const line = JSON.stringify({ seq: 7, ...auditLeafRecord(recorded), leafHash: auditLeafHash(recorded).toString('hex') });
    const parsed = JSON.parse(line) as Parameters<typeof auditLeafHash>[0] & { leafHash: string };
    expect(auditLeafHash(parsed).toString('hex')).toBe(parsed.leafHash);
    // Member order in the input does not matter; every covered field does.
    const data = { nested: { a: true, z: null }, tags: ['b', 'a'], amount: 1500, title: 'Café ☕' };
    const reordered = JSON.parse(JSON.stringify({ ...recorded, data })) as typeof parsed;
    expect(auditLeafHash(reordered).equals(auditLeafHash(recorded))).toBe(true);
    for (const change of [
      { position: 43 },
      { streamId: 'aid-request-8' },
      { version: 4 },
      { type: 'AidRequestWithdrawn' },
      { schemaVersion: 1 },
      { data: { ...recorded.data, amount: 1501 } },
      { metadata: { ...recorded.metadata, correlationId: 'c-2' } },
      { recordedAt: new Date('2026-11-28T10:00:00.124Z') },
    ]) {
      expect(auditLeafHash({ ...recorded, ...change }).equals(auditLeafHash(recorded))).toBe(false);
    }
  });
});

describe('hashChain', () => {
  it('is SHA-256(previous ‖ leaf), starting from 32 zero bytes', () => {
    const leaves = ['a', 'b', 'c'].map((s) => leafHash(Buffer.from(s)));
    const c0 = hashChain(null, leaves[0]!);
    expect(c0.equals(sha256(Buffer.alloc(32), leaves[0]!))).toBe(true);
    expect(hashChain(chainGenesis(), leaves[0]!).equals(c0)).toBe(true);
    const c1 = hashChain(c0, leaves[1]!);
    const c2 = hashChain(c1, leaves[2]!);
    expect(c2.equals(sha256(sha256(sha256(Buffer.alloc(32), leaves[0]!), leaves[1]!), leaves[2]!))).toBe(true);
    // Order matters: swapping two leaves changes the head.
    expect(hashChain(hashChain(c0, leaves[2]!), leaves[1]!).equals(c2)).toBe(false);
    expect(() => hashChain(Buffer.alloc(31), leaves[0]!)).toThrow(RangeError);
  });
});
