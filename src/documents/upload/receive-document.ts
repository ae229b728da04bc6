import type { Multipart, MultipartFile } from '@fastify/multipart';
import { createHash } from 'node:crypto';
import { ProblemException } from '../../common/problem-details.filter';
import { problem } from '../../common/problem-details';
import { DEFAULT_TLP, isTlp, TLP_LABELS, type Tlp } from '../../kernel/tlp';
import { DOCUMENT_KINDS, type DocumentKind } from '../../aid-requests/domain/document.values';
import type { BlobUpload, DocumentStore } from '../storage/document-store';
import { SNIFF_BYTES, sniffMediaType, Utf8Check, type DocumentMediaType } from './media-type';

/** A document received in full and staged in the store, not yet committed under its hash. */
export interface ReceivedDocument {
  readonly name: string;
  readonly mediaType: DocumentMediaType;
  readonly size: number;
  readonly sha256: string;
  readonly kind: DocumentKind;
  readonly tlp: Tlp;
  readonly upload: BlobUpload;
}

const FIELDS = ['kind', 'tlp'] as const;
type FieldName = (typeof FIELDS)[number];

const MAX_NAME_LENGTH = 255;

/**
 * Reads a `multipart/form-data` upload as it streams in: exactly one file part named `file` and
 * the optional fields `kind` and `tlp`. The file is hashed and written to the store chunk by chunk
 * once its first bytes have told its media type; at most SNIFF_BYTES and a store chunk or two are
 * ever held in memory. Any refusal (size, type, count, fields) throws a ProblemException after
 * removing whatever was staged.
 */
export async function receiveDocument(parts: AsyncIterable<Multipart>, store: DocumentStore, maxBytes: number): Promise<ReceivedDocument> {
  const fields: Partial<Record<FieldName, string>> = {};
  let file: Omit<ReceivedDocument, 'kind' | 'tlp'> | undefined;
  const staged: { upload?: BlobUpload } = {};
  try {
    for await (const part of fromBody(parts)) {
      if (part.type === 'field') {
        const name = part.fieldname ?? '';
        if (name === 'file') throw invalid('file', 'the file part must be sent as a file, with a filename');
        if (!(FIELDS as readonly string[]).includes(name)) {
          throw invalid(name === '' ? 'body' : name, `${name === '' ? 'a part without a name' : name} is not a field of a document upload (file, kind, tlp)`);
        }
        if (fields[name as FieldName] !== undefined) throw invalid(name, `${name} is given more than once`);
        fields[name as FieldName] = typeof part.value === 'string' ? part.value : String(part.value);
        checkField(name as FieldName, fields[name as FieldName]!);
        continue;
      }
      if (part.fieldname !== 'file') throw invalid(part.fieldname, `the file part must be named "file", not "${part.fieldname}"`);
      if (file !== undefined) throw invalid('file', 'exactly one file part may be sent');
      file = await receiveFile(part, store, maxBytes, staged);
    }
    if (file === undefined) throw invalid('file', 'a file part named "file" is required');
    const kind = (fields.kind ?? 'other') as DocumentKind;
    const tlp = (fields.tlp ?? DEFAULT_TLP) as Tlp;
    return { ...file, kind, tlp };
  } catch (error) {
    await staged.upload?.abort();
    throw translate(error);
  }
}

async function receiveFile(part: MultipartFile, store: DocumentStore, maxBytes: number, staged: { upload?: BlobUpload }) {
  const name = documentName(part.filename);
  const hash = createHash('sha256');
  let size = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  let mediaType: DocumentMediaType | undefined;
  let utf8: Utf8Check | undefined;

  const decide = async (complete: boolean): Promise<void> => {
    const bytes = Buffer.concat(head, headBytes);
    head = [];
    const sniffed = await sniffMediaType(bytes, complete, name);
    if (!sniffed.ok) throw unsupported(sniffed.reason);
    mediaType = sniffed.mediaType;
    if (sniffed.text) {
      utf8 = new Utf8Check();
      utf8.push(bytes);
    }
    staged.upload = await store.begin();
    await staged.upload.write(bytes);
  };

  for await (const chunk of fromBody(part.file as AsyncIterable<Buffer>)) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    hash.update(chunk);
    if (mediaType === undefined) {
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= SNIFF_BYTES) await decide(false);
      continue;
    }
    if (utf8 !== undefined && !utf8.push(chunk)) throw unsupported('text documents must be UTF-8 throughout');
    await staged.upload!.write(chunk);
  }
  if (part.file.truncated) throw tooLarge(maxBytes);
  if (size === 0) throw invalid('file', 'the file is empty');
  if (mediaType === undefined) await decide(true);
  if (utf8 !== undefined && !utf8.end()) throw unsupported('text documents must be UTF-8 throughout');
  return { name, mediaType: mediaType!, size, sha256: hash.digest('hex'), upload: staged.upload! };
}

function checkField(name: FieldName, value: string): void {
  if (name === 'kind' && !(DOCUMENT_KINDS as readonly string[]).includes(value)) {
    throw invalid('kind', `kind must be one of ${DOCUMENT_KINDS.join(', ')}`);
  }
  if (name === 'tlp' && !isTlp(value)) throw invalid('tlp', `tlp must be one of ${TLP_LABELS.join(', ')}`);
}

/** The name a document is kept under: the last path segment of the uploaded name, without control characters. */
export function documentName(filename: string | undefined): string {
  const base = (filename ?? '').split(/[/\\]/u).pop() ?? '';
  const clean = base.replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '').trim();
  const name = clean === '' ? 'document' : clean;
  return [...name].slice(0, MAX_NAME_LENGTH).join('');
}

function invalid(field: string, message: string): ProblemException {
  return new ProblemException(problem(400, 'document.invalid', message, { errors: [{ field, message }] }));
}

function unsupported(reason: string): ProblemException {
  return new ProblemException(
    problem(415, 'document.unsupported_media_type', `${reason}; accepted: PDF, PNG, JPEG, UTF-8 text, CSV, DOCX, XLSX, ODT, ODS`),
  );
}

function tooLarge(maxBytes: number): ProblemException {
  return new ProblemException(problem(413, 'document.too_large', `a document may have at most ${maxBytes} bytes (DOCUMENT_MAX_BYTES)`));
}

/** What reading the request body failed with: the client's doing (a malformed or cut body), never the store's. */
class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** The items of a part or of the body, with any failure to read them marked as the body's. */
async function* fromBody<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw new BodyError(error);
      }
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** @fastify/multipart's own refusals (limits, a malformed body), as problems; a store's failure stays what it is. */
function translate(error: unknown): unknown {
  if (error instanceof ProblemException) return error;
  if (!(error instanceof BodyError)) return error;
  const code = (error.original as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ProblemException(problem(413, 'document.too_large', 'the document is larger than DOCUMENT_MAX_BYTES'));
    case 'FST_FILES_LIMIT':
      return invalid('file', 'exactly one file part may be sent');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return invalid('body', 'too many parts: send one file part and at most the fields kind and tlp');
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_MULTIPART_INVALID_CONTENT_TYPE':
      return invalid('body', 'the body is not multipart/form-data');
    default:
      return invalid('body', `the multipart body could not be read: ${error.message}`);
  }
}
