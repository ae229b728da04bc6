import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import pg, { type Pool } from 'pg';
import { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import type { SqlEffect } from '@app/event-store';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { keepClientErrorsFromCrashing, PG_POOL } from '../../database/pg-pool';
import { DocumentStore, type BlobUpload } from './document-store';

/** Bytes per stored chunk: one round trip each, and at most two held in memory per upload. */
export const PG_CHUNK_BYTES = 1024 * 1024;

/** Bytes read per query when streaming a blob out (see open). */
const READ_SLICE_BYTES = 256 * 1024;

/**
 * DOCUMENT_STORE=postgres: blobs in `document_blobs`, their bytes in `document_chunks` rows of
 * PG_CHUNK_BYTES. An upload writes each chunk in its own short statement (never one transaction
 * open for the whole upload: that would hold back every event-log consumer); while one chunk is
 * being written the next is read from the client.
 *
 * Chunks are written on connections of their own with `synchronous_commit = off`: a chunk's commit
 * does not wait for its WAL to reach the disk. That loses nothing: the blob is kept under its hash
 * only by `document_blob_keep`, in a synchronous commit on the main pool after every chunk was
 * written (the append that records DocumentAttached, see commitEffects), and flushing WAL up to
 * that commit flushes every chunk written before it. A crash before then leaves at most a staged
 * blob, which no event names.
 */
@Injectable()
export class PgDocumentStore extends DocumentStore implements OnModuleDestroy {
  private readonly chunkPool: Pool;
  private ended?: Promise<void>;

  constructor(@Inject(PG_POOL) private readonly pool: Pool, @Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.chunkPool = new pg.Pool({
      connectionString: config.database.url,
      max: Math.max(2, Math.ceil(config.database.poolSize / 2)),
      application_name: 'cdt-fund-documents',
      statement_timeout: config.database.statementTimeoutMs,
      idle_in_transaction_session_timeout: config.database.idleInTransactionTimeoutMs,
      connectionTimeoutMillis: 5_000,
      options: '-c synchronous_commit=off',
    });
    this.chunkPool.on('error', () => undefined);
    keepClientErrorsFromCrashing(this.chunkPool);
  }

  /** Ends the chunk pool once: Nest calls this for each provider the store is registered as. */
  onModuleDestroy(): Promise<void> {
    this.ended ??= this.chunkPool.end();
    return this.ended;
  }

  async begin(): Promise<BlobUpload> {
    const id = uuidv7();
    await this.chunkPool.query('INSERT INTO document_blobs (id) VALUES ($1)', [id]);
    return new PgBlobUpload(this.pool, this.chunkPool, id);
  }

  async has(sha256: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM document_blobs WHERE sha256 = $1', [sha256]);
    return rows.length > 0;
  }

  async open(sha256: string): Promise<Readable | undefined> {
    const { rows } = await this.pool.query<{ id: string; chunks: number }>('SELECT id, chunks FROM document_blobs WHERE sha256 = $1', [sha256]);
    const blob = rows[0];
    if (blob === undefined) return undefined;
    const pool = this.pool;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; seq < blob!.chunks; seq++) {
        // In slices: each arrives as hex text twice its size, and text under 128 KiB is young
        // garbage that the next scavenge frees, where larger text waits for a full collection.
        for (let offset = 0; ; offset += READ_SLICE_BYTES) {
          const result = await pool.query<{ data: Buffer | null }>({
            name: 'document_chunk_slice',
            text: 'SELECT substring(data FROM $3 FOR $4) AS data FROM document_chunks WHERE blob_id = $1 AND seq = $2',
            values: [blob!.id, seq, offset + 1, READ_SLICE_BYTES],
          });
          const row = result.rows[0];
          if (row === undefined || row.data === null) throw new Error(`document blob ${sha256} is missing chunk ${seq}`);
          if (row.data.length > 0) yield row.data;
          if (row.data.length < READ_SLICE_BYTES) break;
        }
      }
    }
    return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
  }

  async remove(sha256: string): Promise<void> {
    await this.pool.query('DELETE FROM document_blobs WHERE sha256 = $1', [sha256]);
  }

  async purgeStaged(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM document_blobs WHERE sha256 IS NULL AND started_at < $1', [before]);
    return rowCount ?? 0;
  }
}

class PgBlobUpload implements BlobUpload {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failed: Error | undefined = undefined;

  constructor(
    private readonly pool: Pool,
    private readonly chunkPool: Pool,
    private readonly id: string,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= PG_CHUNK_BYTES) await this.flush(PG_CHUNK_BYTES);
  }

  async commitEffects(sha256: string, size: number): Promise<readonly SqlEffect[]> {
    return [{ sql: 'SELECT document_blob_keep($1)', arg: await this.finish(sha256, size) }];
  }

  async commit(sha256: string, size: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ kept: boolean }>({
      name: 'document_blob_keep',
      text: 'SELECT document_blob_keep($1::jsonb) AS kept',
      values: [JSON.stringify(await this.finish(sha256, size))],
    });
    return rows[0]?.kept === true;
  }

  /** Removes the upload while it is staged; once kept under its hash it is a blob like any other. */
  async abort(): Promise<void> {
    await this.inFlight.catch(() => undefined);
    this.pending = [];
    this.pendingBytes = 0;
    await this.pool.query('DELETE FROM document_blobs WHERE id = $1 AND sha256 IS NULL', [this.id]);
  }

  /** Writes what is left and waits for every chunk; returns `document_blob_keep`'s argument. */
  private async finish(sha256: string, size: number): Promise<{ id: string; sha256: string; size: number; chunks: number }> {
    while (this.pendingBytes > 0) await this.flush(Math.min(this.pendingBytes, PG_CHUNK_BYTES));
    await this.inFlight;
    if (this.failed !== undefined) throw this.failed;
    return { id: this.id, sha256, size, chunks: this.seq };
  }

  /** Writes the next `bytes` bytes as one chunk, after the chunk before it is written. */
  private async flush(bytes: number): Promise<void> {
    const data = take(this.pending, bytes);
    this.pendingBytes -= bytes;
    const seq = this.seq++;
    await this.inFlight;
    if (this.failed !== undefined) throw this.failed;
    this.inFlight = this.chunkPool
      .query('INSERT INTO document_chunks (blob_id, seq, data) VALUES ($1, $2, $3)', [this.id, seq, data])
      .then(
        () => undefined,
        (error: unknown) => {
          this.failed = error instanceof Error ? error : new Error(String(error));
        },
      );
  }
}

/** Removes the first `bytes` bytes from `buffers` and returns them as one Buffer. */
function take(buffers: Buffer[], bytes: number): Buffer {
  const first = buffers[0];
  if (first !== undefined && first.length === bytes) {
    buffers.shift();
    return first;
  }
  const out = Buffer.allocUnsafe(bytes);
  let offset = 0;
  while (offset < bytes) {
    const head = buffers[0]!;
    const n = Math.min(head.length, bytes - offset);
    head.copy(out, offset, 0, n);
    offset += n;
    if (n === head.length) buffers.shift();
    else buffers[0] = head.subarray(n);
  }
  return out;
}
