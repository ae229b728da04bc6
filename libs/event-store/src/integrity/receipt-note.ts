import { NoteFormatError } from './checkpoint-note';

/**
 * The body of a receipt note: the log's signed word that it holds an event, before the event is
 * sealed. Signed and verified as a C2SP signed note (signNote / verifyNote), like checkpoints:
 *
 *   <origin>\n<subject id>\n<global position>\n<leaf hash, 64 hex>\n<recordedAt, ISO-8601>\n
 *
 * where the leaf hash is auditLeafHash(event): the leaf the event has, or will have, in the log.
 */
export interface ReceiptFields {
  readonly origin: string;
  /** What the event is about, e.g. the request it filed. */
  readonly subject: string;
  readonly position: number;
  /** Hex. */
  readonly leafHash: string;
  readonly recordedAt: string;
}

const HEX_HASH = /^[0-9a-f]{64}$/u;
const LINE = /^[^\n\p{Cc}]+$/u;

export function receiptBody(fields: ReceiptFields): string {
  const { origin, subject, position, leafHash, recordedAt } = fields;
  if (!LINE.test(origin) || !LINE.test(subject) || !LINE.test(recordedAt)) throw new NoteFormatError('receipt lines must be non-empty single lines');
  if (!Number.isSafeInteger(position) || position < 0) throw new NoteFormatError(`receipt position must be a non-negative integer, got ${position}`);
  if (!HEX_HASH.test(leafHash)) throw new NoteFormatError('receipt leaf hash must be 64 lowercase hex digits');
  return `${origin}\n${subject}\n${position}\n${leafHash}\n${recordedAt}\n`;
}

/** Parses a receipt body (the note text). Throws NoteFormatError. */
export function parseReceiptBody(body: string): ReceiptFields {
  if (!body.endsWith('\n')) throw new NoteFormatError('a receipt must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length !== 5) throw new NoteFormatError(`a receipt has 5 lines, this one ${lines.length}`);
  const [origin, subject, position, leafHash, recordedAt] = lines as [string, string, string, string, string];
  if (!/^(0|[1-9][0-9]{0,15})$/u.test(position)) throw new NoteFormatError(`receipt position is not a decimal integer: ${position}`);
  const fields = { origin, subject, position: Number(position), leafHash, recordedAt };
  receiptBody(fields);
  return fields;
}
