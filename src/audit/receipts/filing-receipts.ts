import { Inject, Injectable } from '@nestjs/common';
import { auditLeafHash, receiptBody, signNote, type AuditLeafSource } from '@app/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { AuditSigningKey } from '../audit-signing-key';

/** The first line of a filing receipt. */
export const RECEIPT_ORIGIN = 'cdt-fund/receipt';

/** The filed event as it is stored: what its audit leaf covers. */
export type FiledEvent = AuditLeafSource;

/**
 * Filing receipts: a C2SP signed note, by the audit key, naming the request, the position of its
 * AidRequestFiled event, the leaf hash that event has in the audit log and when it was recorded.
 * The leaf hash is auditLeafHash, the function the sealer seals with, over the event as stored.
 */
@Injectable()
export class FilingReceipts {
  constructor(
    private readonly key: AuditSigningKey,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** The receipt of a filed event (as the append returned it, or as read back). */
  sign(requestId: string, filed: FiledEvent): string {
    const recordedAt = typeof filed.recordedAt === 'string' ? filed.recordedAt : filed.recordedAt.toISOString();
    const body = receiptBody({ origin: RECEIPT_ORIGIN, subject: requestId, position: filed.position, leafHash: auditLeafHash(filed).toString('hex'), recordedAt });
    return signNote(body, this.key.keyName, this.key.privateKey);
  }

  /** The receipt of a request's filing, from the stored event (undefined when there is none). */
  async forRequest(requestId: string, streamId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{
      position: string;
      stream_id: string;
      stream_version: number;
      event_type: string;
      event_version: number;
      data: unknown;
      metadata: unknown;
      recorded_at: Date;
    }>({
      name: 'filing_receipt_event',
      text: `SELECT global_position::text AS position, stream_id, stream_version::int AS stream_version, event_type, event_version,
                    data, metadata, recorded_at
             FROM events WHERE stream_id = $1 AND stream_version = 1 AND event_type = 'AidRequestFiled'`,
      values: [streamId],
    });
    const row = rows[0];
    if (row === undefined) return undefined;
    // As stored, never upcast: the leaf covers the event as written.
    return this.sign(requestId, {
      position: Number(row.position),
      streamId: row.stream_id,
      version: row.stream_version,
      type: row.event_type,
      schemaVersion: row.event_version,
      data: row.data,
      metadata: row.metadata,
      recordedAt: row.recorded_at,
    });
  }
}

/** The `Receipt` header's value: the note in base64 (a header cannot carry its newlines). */
export function receiptHeader(note: string): string {
  return Buffer.from(note, 'utf8').toString('base64');
}
