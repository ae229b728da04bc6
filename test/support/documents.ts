import { crc32 } from 'node:zlib';
import type { TestApp, TestResponse } from './test-app';

/** A stored (uncompressed) zip archive of the given entries, in order: enough for office formats' signatures. */
export function zip(entries: readonly { name: string; content: string | Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function ooxml(main: string, folder: string): Buffer {
  return zip([
    {
      name: '[Content_Types].xml',
      content: `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/${folder}" ContentType="${main}"/></Types>`,
    },
    { name: '_rels/.rels', content: '<?xml version="1.0"?><Relationships/>' },
    { name: folder, content: '<?xml version="1.0"?><root/>' },
  ]);
}

function odf(mime: string): Buffer {
  return zip([
    { name: 'mimetype', content: mime },
    { name: 'content.xml', content: '<?xml version="1.0"?><office:document-content/>' },
  ]);
}

/** One sample per accepted media type, built from each format's real signature. */
export const SAMPLES = {
  pdf: { name: 'budget.pdf', mediaType: 'application/pdf', bytes: Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n') },
  png: {
    name: 'photo.png',
    mediaType: 'image/png',
    bytes: Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0a1b6df0000000049454e44ae426082',
      'hex',
    ),
  },
  jpeg: { name: 'scan.jpg', mediaType: 'image/jpeg', bytes: Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(64, 0x11), Buffer.from('ffd9', 'hex')]) },
  text: { name: 'notes.txt', mediaType: 'text/plain', bytes: Buffer.from('Incident timeline\n08:00 encryption observed — ransom note found.\n', 'utf8') },
  csv: { name: 'costs.csv', mediaType: 'text/csv', bytes: Buffer.from('item,amount\nforensics,1200000\nlicences,300000\n', 'utf8') },
  docx: {
    name: 'report.docx',
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    bytes: ooxml('application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml', 'word/document.xml'),
  },
  xlsx: {
    name: 'budget.xlsx',
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    bytes: ooxml('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml', 'xl/workbook.xml'),
  },
  odt: { name: 'plan.odt', mediaType: 'application/vnd.oasis.opendocument.text', bytes: odf('application/vnd.oasis.opendocument.text') },
  ods: { name: 'plan.ods', mediaType: 'application/vnd.oasis.opendocument.spreadsheet', bytes: odf('application/vnd.oasis.opendocument.spreadsheet') },
} as const;

/** Content that must be refused whatever it is called. */
export const REFUSED = {
  elf: Buffer.concat([Buffer.from('7f454c46020101000000000000000000', 'hex'), Buffer.alloc(48, 0)]),
  windowsExe: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58, 0), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64, 0), Buffer.from('PE\0\0'), Buffer.alloc(32, 0)]),
  html: Buffer.from('<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n'),
  htmlTag: Buffer.from('  <html><body>hello</body></html>'),
  xml: Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
  script: Buffer.from('#!/bin/sh\nrm -rf /\n'),
  binary: Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37 + 11) % 256)),
  latin1: Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'),
  gzip: Buffer.from('1f8b0800000000000003030000000000000000', 'hex'),
};

export interface UploadPart {
  readonly name: string;
  readonly filename?: string;
  readonly content: string | Buffer;
}

/** POSTs multipart/form-data built by the platform's FormData (what a browser or client library sends). */
export async function upload(t: TestApp, token: string, requestId: string, parts: readonly UploadPart[], headers: Record<string, string> = {}): Promise<TestResponse> {
  const form = new FormData();
  for (const part of parts) {
    if (part.filename === undefined && typeof part.content === 'string') form.append(part.name, part.content);
    // A copy in a plain ArrayBuffer: what Blob takes under every set of DOM and Node typings.
    else form.append(part.name, new Blob([typeof part.content === 'string' ? part.content : new Uint8Array(part.content)]), part.filename ?? 'blob');
  }
  const response = await fetch(`${t.baseUrl}/v1/aid-requests/${requestId}/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body: form,
  });
  const text = await response.text();
  return {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: text,
    json: () => JSON.parse(text),
  };
}

export function uploadFile(t: TestApp, token: string, requestId: string, filename: string, content: Buffer, fields: Record<string, string> = {}) {
  return upload(t, token, requestId, [...Object.entries(fields).map(([name, value]) => ({ name, content: value })), { name: 'file', filename, content }]);
}

/** Rows the document store holds, staged or committed. */
export async function storedBlobs(t: TestApp): Promise<{ blobs: number; chunks: number; staged: number }> {
  const { rows } = await t.pool.query<{ blobs: number; chunks: number; staged: number }>(
    `SELECT (SELECT count(*)::int FROM document_blobs) AS blobs, (SELECT count(*)::int FROM document_chunks) AS chunks,
            (SELECT count(*)::int FROM document_blobs WHERE sha256 IS NULL) AS staged`,
  );
  return rows[0]!;
}

export async function documentEvents(t: TestApp): Promise<number> {
  const { rows } = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE event_type = 'DocumentAttached'`);
  return rows[0]!.n;
}
