import { fileTypeFromBuffer } from 'file-type';
import { isUtf8 } from 'node:buffer';

/** The media types a document may have, by what its bytes are (docs/api.md, Documents). */
export const DOCUMENT_MEDIA_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'text/plain',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
] as const;
export type DocumentMediaType = (typeof DOCUMENT_MEDIA_TYPES)[number];

/** Bytes read before the media type is decided: enough for every signature, and for a zip's first entries. */
export const SNIFF_BYTES = 64 * 1024;

const BINARY_TYPES: ReadonlySet<string> = new Set(DOCUMENT_MEDIA_TYPES.filter((t) => !t.startsWith('text/')));

/** Text that opens like markup or a script: `<tag`, `<!DOCTYPE`, `<?xml`, `</`, `<!--`, or `#!`. */
const MARKUP_OR_SCRIPT = /^(?:\uFEFF)?\s*(?:<[A-Za-z!?/]|#!)/u;

export type Sniffed =
  | { readonly ok: true; readonly mediaType: DocumentMediaType; readonly text: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Decides a document's media type from its first bytes (`head`, up to SNIFF_BYTES; all of it when
 * the file is shorter; `complete` says which). Binary formats by their signatures (`file-type`);
 * otherwise UTF-8 text that does not open like markup or a script is `text/plain`, or `text/csv`
 * when the name ends in `.csv`. The rest of a text file is checked as it streams (Utf8Check).
 */
export async function sniffMediaType(head: Buffer, complete: boolean, name: string): Promise<Sniffed> {
  const detected = await fileTypeFromBuffer(head);
  if (detected !== undefined) {
    return BINARY_TYPES.has(detected.mime)
      ? { ok: true, mediaType: detected.mime as DocumentMediaType, text: false }
      : { ok: false, reason: `content of type ${detected.mime} is not accepted` };
  }
  const check = new Utf8Check();
  if (!check.push(head) || (complete && !check.end())) return { ok: false, reason: 'content is neither a supported binary format nor UTF-8 text' };
  if (head.includes(0)) return { ok: false, reason: 'content is binary, not text' };
  const start = head.subarray(0, 1024).toString('utf8');
  if (MARKUP_OR_SCRIPT.test(start)) return { ok: false, reason: 'text that opens as markup or a script is not accepted' };
  return { ok: true, mediaType: name.toLowerCase().endsWith('.csv') ? 'text/csv' : 'text/plain', text: true };
}

/**
 * Checks that a stream of chunks is UTF-8, chunk by chunk, carrying a character cut at a chunk's
 * end over to the next chunk.
 */
export class Utf8Check {
  private carry: Buffer = Buffer.alloc(0);

  /** False as soon as the bytes so far cannot be UTF-8 (or contain a NUL byte). */
  push(chunk: Buffer): boolean {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = incompleteTail(bytes);
    const whole = bytes.subarray(0, bytes.length - cut);
    this.carry = Buffer.from(bytes.subarray(bytes.length - cut));
    return isUtf8(whole) && !whole.includes(0);
  }

  /** The text ended: nothing may be left cut. */
  end(): boolean {
    return this.carry.length === 0;
  }
}

/** How many bytes at the end of `bytes` begin a UTF-8 sequence that the bytes do not complete (0–3). */
function incompleteTail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}
