import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { aidRequestStreamId } from '../aid-requests/domain/aid-request.events';
import { PG_POOL } from '../database/pg-pool';
import type { DocumentView } from './document-view';

/**
 * Documents are read from their DocumentAttached events (a request's stream is short, and the
 * event is the document's record): no table of their own to keep in step.
 */
@Injectable()
export class DocumentReadModel {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(requestId: string): Promise<DocumentView[]> {
    const { rows } = await this.pool.query<{ data: DocumentView }>({
      name: 'documents_of_request',
      text: `SELECT data FROM events WHERE stream_id = $1 AND event_type = 'DocumentAttached' ORDER BY stream_version`,
      values: [aidRequestStreamId(requestId)],
    });
    return rows.map((row) => row.data);
  }

  async get(requestId: string, documentId: string): Promise<DocumentView | undefined> {
    const { rows } = await this.pool.query<{ data: DocumentView }>({
      name: 'document_by_id',
      text: `SELECT data FROM events WHERE stream_id = $1 AND event_type = 'DocumentAttached' AND data->>'id' = $2`,
      values: [aidRequestStreamId(requestId), documentId],
    });
    return rows[0]?.data;
  }

  /** Whether any attached document names this blob. */
  async isReferenced(sha256: string): Promise<boolean> {
    const { rows } = await this.pool.query({
      name: 'document_blob_referenced',
      text: `SELECT 1 FROM events WHERE event_type = 'DocumentAttached' AND data->>'sha256' = $1 LIMIT 1`,
      values: [sha256],
    });
    return rows.length > 0;
  }

  /** Every attached document in log order, a page at a time (after the given global position). */
  async page(afterPosition: number, limit: number): Promise<{ position: number; document: DocumentView }[]> {
    const { rows } = await this.pool.query<{ position: string; data: DocumentView }>({
      name: 'documents_page',
      text: `SELECT global_position::text AS position, data FROM events
             WHERE event_type = 'DocumentAttached' AND global_position > $1
             ORDER BY global_position LIMIT $2`,
      values: [afterPosition, limit],
    });
    return rows.map((row) => ({ position: Number(row.position), document: row.data }));
  }
}
