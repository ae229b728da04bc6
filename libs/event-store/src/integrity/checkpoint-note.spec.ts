import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import {
  NoteFormatError,
  checkpointBody,
  ed25519PublicKeyFromRaw,
  keyId,
  openNote,
  parseCheckpointBody,
  rawEd25519PublicKey,
  signNote,
  verifierKey,
  verifyNote,
} from './checkpoint-note';
import { leafHash } from './merkle-hash';
import { rootHash } from './merkle-proofs';

/*
 * Interoperability vector: golang.org/x/mod/sumdb/note note_test.go (TestSign, TestOpen). Ed25519
 * is deterministic (RFC 8032), so signing the same text with the same key must reproduce the Go
 * package's published note byte for byte.
 */
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY_MATERIAL = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // from PRIVATE+KEY+PeterNeumann+c74f20a3+…
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const GO_ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** An Ed25519 private KeyObject from a 32-byte seed (PKCS#8 DER: fixed 16-byte prefix ‖ seed). */
function ed25519FromSeed(seed: Buffer): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: 'der', type: 'pkcs8' });
}

const goMaterial = Buffer.from(GO_SKEY_MATERIAL, 'base64');
const GO_PRIVATE = ed25519FromSeed(goMaterial.subarray(1));
const GO_PUBLIC = createPublicKey(GO_PRIVATE);

/** The raw key from the SPKI DER (its last 32 bytes): a second route, independent of the JWK one. */
const spkiRaw = (k: KeyObject): Buffer => k.export({ format: 'der', type: 'spki' }).subarray(-32);

/** Decodes the note's single signature line by hand, without the module's parser. */
function decodeSignatureLine(note: string): { body: string; name: string; id: Buffer; sig: Buffer } {
  const split = note.lastIndexOf('\n\n');
  const line = note.slice(split + 2, -1);
  expect(line.startsWith('\u2014 ')).toBe(true);
  const [name, b64] = line.slice(2).split(' ') as [string, string];
  const blob = Buffer.from(b64, 'base64');
  return { body: note.slice(0, split + 1), name, id: blob.subarray(0, 4), sig: blob.subarray(4) };
}

const flip = (b: Buffer, bit: number): Buffer => {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};

describe('C2SP signed notes: the Go reference vector', () => {
  it('reproduces golang.org/x/mod/sumdb/note byte for byte: key id, verifier key, signed note', () => {
    expect(goMaterial[0]).toBe(0x01);
    expect(keyId('PeterNeumann', rawEd25519PublicKey(GO_PUBLIC)).toString('hex')).toBe('c74f20a3');
    expect(verifierKey('PeterNeumann', GO_PUBLIC)).toBe(GO_VKEY);
    expect(signNote(GO_TEXT, 'PeterNeumann', GO_PRIVATE)).toBe(`${GO_TEXT}\n${GO_PETER_SIG}`);
  });

  it('verifies the Go note, ignores signatures by other keys, rejects an invalid one and malformed notes', () => {
    const rawFromVkey = Buffer.from(GO_VKEY.split('+')[2]!, 'base64').subarray(1);
    const pub = ed25519PublicKeyFromRaw(rawFromVkey);
    expect(rawEd25519PublicKey(pub).equals(rawFromVkey)).toBe(true);

    expect(verifyNote(`${GO_TEXT}\n${GO_PETER_SIG}`, 'PeterNeumann', pub)).toEqual({ body: GO_TEXT, valid: true });
    expect(verifyNote(`${GO_TEXT}\n${GO_PETER_SIG}${GO_ENOCH_SIG}`, 'PeterNeumann', pub).valid).toBe(true);
    expect(verifyNote(`${GO_TEXT}\n${GO_ENOCH_SIG}${GO_PETER_SIG}${GO_PETER_SIG}`, 'PeterNeumann', pub).valid).toBe(true);
    // Only someone else's signature: not valid for this key.
    expect(verifyNote(`${GO_TEXT}\n${GO_ENOCH_SIG}`, 'PeterNeumann', pub)).toMatchObject({ body: GO_TEXT, valid: false });
    // Go's "invalid signature" case, and a tampered text.
    const badSig = `${GO_PETER_SIG.slice(0, 60)}ABCD${GO_PETER_SIG.slice(60)}`;
    expect(verifyNote(`${GO_TEXT}\n${badSig}`, 'PeterNeumann', pub).valid).toBe(false);
    expect(verifyNote(`${GO_TEXT}\n${GO_PETER_SIG}${badSig}`, 'PeterNeumann', pub).valid).toBe(false);
    expect(verifyNote(`${GO_TEXT.replace('cryptography', 'cryptographY')}\n${GO_PETER_SIG}`, 'PeterNeumann', pub).valid).toBe(false);
    // Go's malformed messages (TestOpen badMsgs), which must not throw.
    const bad = [
      GO_TEXT,
      `${GO_TEXT}\n`,
      `${GO_TEXT}\n${GO_PETER_SIG.slice(0, -1)}`,
      `\x01${GO_TEXT}\n${GO_PETER_SIG}`,
      `\ud800${GO_TEXT}\n${GO_PETER_SIG}`,
      `${GO_TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${GO_TEXT}\n${GO_PETER_SIG}Unexpected line.\n`,
      `${GO_TEXT}\n${GO_PETER_SIG.repeat(101)}`,
    ];
    for (const note of bad) {
      expect(verifyNote(note, 'PeterNeumann', pub).valid).toBe(false);
      expect(() => openNote(note)).toThrow(NoteFormatError);
    }
  });
});

describe('checkpoints as signed notes', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const KEY_NAME = 'cdt-fund.example/audit';
  const root = rootHash(['a', 'b', 'c'].map((s) => leafHash(Buffer.from(s))));
  const body = checkpointBody({ origin: KEY_NAME, treeSize: 3, rootHash: root });
  const note = signNote(body, KEY_NAME, privateKey);

  it('has the C2SP layout: origin, size, base64 root, blank line, "— name base64(keyid ‖ sig)"', () => {
    expect(body).toBe(`${KEY_NAME}\n3\n${root.toString('base64')}\n`);
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([KEY_NAME, '3', root.toString('base64'), '']);
    expect(lines[4]).toMatch(/^\u2014 cdt-fund\.example\/audit [A-Za-z0-9+/]+=*$/u);
    expect(lines[5]).toBe('');
    expect(lines).toHaveLength(6);
  });

  it("verifies with Node's own crypto.verify, using the key id and signature decoded from the signature line", () => {
    const { body: signed, name, id, sig } = decodeSignatureLine(note);
    expect(signed).toBe(body);
    expect(name).toBe(KEY_NAME);
    expect(sig).toHaveLength(64);
    expect(verify(null, Buffer.from(body, 'utf8'), publicKey, sig)).toBe(true);
    // key id = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ raw 32-byte public key)[:4], raw taken from the SPKI DER.
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from(KEY_NAME, 'utf8'), Buffer.from([0x0a, 0x01]), spkiRaw(publicKey)]))
      .digest()
      .subarray(0, 4);
    expect(id.equals(expected)).toBe(true);
    expect(keyId(KEY_NAME, rawEd25519PublicKey(publicKey)).equals(expected)).toBe(true);
    expect(rawEd25519PublicKey(privateKey).equals(spkiRaw(publicKey))).toBe(true);
    expect(verifyNote(note, KEY_NAME, publicKey)).toEqual({ body, valid: true });
    expect(parseCheckpointBody(verifyNote(note, KEY_NAME, publicKey).body)).toEqual({
      origin: KEY_NAME,
      treeSize: 3,
      rootHash: root,
      extensions: [],
    });
  });

  it('names the key that signed, note after note: two keys and two names in turn, each note verifies under its own only', () => {
    const other = generateKeyPairSync('ed25519');
    const signings = [
      { name: KEY_NAME, keys: { privateKey, publicKey } },
      { name: 'cdt-fund.example/receipt', keys: { privateKey, publicKey } },
      { name: KEY_NAME, keys: other },
      { name: KEY_NAME, keys: { privateKey, publicKey } },
    ];
    for (const { name, keys } of signings) {
      const signed = signNote(body, name, keys.privateKey);
      const expectedId = keyId(name, spkiRaw(keys.publicKey));
      expect(decodeSignatureLine(signed).id.equals(expectedId)).toBe(true);
      expect(verifyNote(signed, name, keys.publicKey).valid).toBe(true);
      const wrongKey = keys.publicKey === publicKey ? other.publicKey : publicKey;
      expect(verifyNote(signed, name, wrongKey).valid).toBe(false);
    }
  });

  it('fails for every single flipped bit in the body, and in the key id or signature', () => {
    const { sig, id } = decodeSignatureLine(note);
    const bodyBytes = Buffer.from(body, 'utf8');
    for (let bit = 0; bit < bodyBytes.length * 8; bit++) {
      const tampered = flip(bodyBytes, bit);
      expect(verify(null, tampered, publicKey, sig)).toBe(false);
      const tamperedNote = `${tampered.toString('utf8')}${note.slice(body.length)}`;
      expect(verifyNote(tamperedNote, KEY_NAME, publicKey).valid).toBe(false);
    }
    const blob = Buffer.concat([id, sig]);
    for (let bit = 0; bit < blob.length * 8; bit++) {
      const tampered = flip(blob, bit);
      if (bit >= 32) expect(verify(null, Buffer.from(body, 'utf8'), publicKey, tampered.subarray(4))).toBe(false);
      const tamperedNote = `${body}\n\u2014 ${KEY_NAME} ${tampered.toString('base64')}\n`;
      expect(verifyNote(tamperedNote, KEY_NAME, publicKey).valid).toBe(false);
    }
  });

  it('fails with another key, another key name, or a key id that does not match', () => {
    const other = generateKeyPairSync('ed25519');
    expect(verifyNote(note, KEY_NAME, other.publicKey).valid).toBe(false);
    expect(verifyNote(note, 'someone.else/log', publicKey).valid).toBe(false);
    // Signed by another key under our name: a different key id, so it is ignored; nothing of ours verifies.
    const forged = signNote(body, KEY_NAME, other.privateKey);
    expect(verifyNote(forged, KEY_NAME, publicKey)).toMatchObject({ valid: false });
    // Our signature plus a co-signature by another key (a witness): still valid for us.
    const cosigned = `${note}${signNote(body, 'witness.example', other.privateKey).slice(body.length + 1)}`;
    expect(verifyNote(cosigned, KEY_NAME, publicKey).valid).toBe(true);
    expect(verifyNote(cosigned, 'witness.example', other.publicKey).valid).toBe(true);
    expect(openNote(cosigned).signatures.map((s) => s.keyName)).toEqual([KEY_NAME, 'witness.example']);
  });

  it('round-trips extension lines and parses the C2SP example checkpoint', () => {
    const withExt = checkpointBody({
      origin: 'o.example/log',
      treeSize: 0,
      rootHash: rootHash([]),
      extensions: ['chain-head abc', 'signed-at 2026-11-28T10:00:00.000Z'],
    });
    expect(withExt).toBe(`o.example/log\n0\n${rootHash([]).toString('base64')}\nchain-head abc\nsigned-at 2026-11-28T10:00:00.000Z\n`);
    expect(parseCheckpointBody(withExt).extensions).toEqual(['chain-head abc', 'signed-at 2026-11-28T10:00:00.000Z']);

    const example =
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';
    const opened = openNote(example);
    const parsed = parseCheckpointBody(opened.body);
    expect(parsed.origin).toBe('example.com/behind-the-sofa');
    expect(parsed.treeSize).toBe(20852163);
    expect(parsed.rootHash).toHaveLength(32);
    expect(opened.signatures).toHaveLength(1);
    expect(opened.signatures[0]!.keyName).toBe('example.com/behind-the-sofa');
    expect(opened.signatures[0]!.signature).toHaveLength(64);
  });

  it('rejects malformed checkpoints, key names and texts', () => {
    const r = root.toString('base64');
    for (const bad of [
      `o\n3\n${r}`, // no final newline
      `o\n3\n`,
      `\n3\n${r}\n`,
      `o\n03\n${r}\n`,
      `o\n-3\n${r}\n`,
      `o\n3.0\n${r}\n`,
      `o\n99999999999999999999\n${r}\n`,
      `o\n3\n${r.slice(0, -1)}\n`,
      `o\n3\n${Buffer.alloc(31).toString('base64')}\n`,
      `o\n3\n${r}\n\n`, // an empty extension line
      `o\x01\n3\n${r}\n`,
    ]) {
      expect(() => parseCheckpointBody(bad)).toThrow(NoteFormatError);
    }
    expect(() => checkpointBody({ origin: '', treeSize: 1, rootHash: root })).toThrow(NoteFormatError);
    expect(() => checkpointBody({ origin: 'a\nb', treeSize: 1, rootHash: root })).toThrow(NoteFormatError);
    expect(() => checkpointBody({ origin: 'o', treeSize: -1, rootHash: root })).toThrow(NoteFormatError);
    expect(() => checkpointBody({ origin: 'o', treeSize: 1, rootHash: root.subarray(1) })).toThrow(NoteFormatError);
    expect(() => checkpointBody({ origin: 'o', treeSize: 1, rootHash: root, extensions: [''] })).toThrow(NoteFormatError);
    expect(() => signNote(body, 'has space', privateKey)).toThrow(NoteFormatError);
    expect(() => signNote(body, 'a+b', privateKey)).toThrow(NoteFormatError);
    expect(() => signNote(body, '', privateKey)).toThrow(NoteFormatError);
    expect(() => signNote('no newline', KEY_NAME, privateKey)).toThrow(NoteFormatError);
    expect(() => signNote(body, KEY_NAME, publicKey)).toThrow(TypeError);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signNote(body, KEY_NAME, ec.privateKey)).toThrow(TypeError);
    expect(() => rawEd25519PublicKey(ec.publicKey)).toThrow(TypeError);
  });
});
