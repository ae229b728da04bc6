import type { Readable } from 'node:stream';
import type { SqlEffect } from '@app/event-store';

/**
 * Where the bytes of documents are kept, by content: a blob is named by the SHA-256 (hex) of its
 * bytes, and the same bytes are kept once. Two implementations, chosen by DOCUMENT_STORE:
 * PgDocumentStore (`postgres`, the default) and S3DocumentStore (`s3`). Both stream both ways.
 */
export abstract class DocumentStore {
  /** Starts receiving a blob whose hash is known only at its end. */
  abstract begin(): Promise<BlobUpload>;
  /** The blob's bytes, streamed; undefined when no blob has this hash. */
  abstract open(sha256: string): Promise<Readable | undefined>;
  abstract has(sha256: string): Promise<boolean>;
  /** Deletes the blob (a no-op when there is none). */
  abstract remove(sha256: string): Promise<void>;
  /**
   * Deletes what uploads staged and never committed or aborted (a process that died mid-upload)
   * when it was started before `before`; returns how many were deleted.
   */
  abstract purgeStaged(before: Date): Promise<number>;
}

/**
 * A blob being received. `write` resolves when the store can take more (backpressure); nothing is
 * visible under a hash before `commit`, and `abort` leaves nothing behind.
 */
export interface BlobUpload {
  write(chunk: Buffer): Promise<void>;
  /**
   * For a store in the event log's database: resolves once every byte written is stored, to the
   * statements that keep them under `sha256` (or drop this copy when the hash is stored already)
   * as effects of the append that records the document. The blob is then kept if and only if the
   * event is; `abort` after a refused append removes the staged bytes. Absent: use `commit`.
   */
  commitEffects?(sha256: string, size: number): Promise<readonly SqlEffect[]>;
  /**
   * Keeps the bytes written under `sha256` (the caller hashed them as they went by): when this
   * resolves they are durably stored. If a blob with that hash exists already, this upload's copy
   * is dropped. Resolves to true when this upload created the blob.
   */
  commit(sha256: string, size: number): Promise<boolean>;
  abort(): Promise<void>;
}
