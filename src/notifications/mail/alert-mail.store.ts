import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';

export interface NewAlertMail {
  readonly id: string;
  readonly eventId: string;
  readonly type: string;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
}

export interface AlertMailRow extends NewAlertMail {
  readonly status: 'pending' | 'sent' | 'failed';
}

/** `alert_mails`: one row per alert and recipient, with every attempt's outcome. */
@Injectable()
export class AlertMailStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(mails: readonly NewAlertMail[]): Promise<void> {
    if (mails.length === 0) return;
    await this.pool.query(
      `INSERT INTO alert_mails (id, event_id, type, recipient, subject, body)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
       ON CONFLICT (id) DO NOTHING`,
      [mails.map((m) => m.id), mails.map((m) => m.eventId), mails.map((m) => m.type), mails.map((m) => m.recipient), mails.map((m) => m.subject), mails.map((m) => m.body)],
    );
  }

  async find(id: string): Promise<AlertMailRow | undefined> {
    const { rows } = await this.pool.query<{ id: string; event_id: string; type: string; recipient: string; subject: string; body: string; status: AlertMailRow['status'] }>(
      `SELECT id, event_id, type, recipient, subject, body, status FROM alert_mails WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row && { id: row.id, eventId: row.event_id, type: row.type, recipient: row.recipient, subject: row.subject, body: row.body, status: row.status };
  }

  async recordAttempt(id: string, outcome: 'sent' | 'retrying' | 'failed', error: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE alert_mails SET attempts = attempts + 1, status = $2, last_error = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
       WHERE id = $1 AND status = 'pending'`,
      [id, outcome === 'retrying' ? 'pending' : outcome, error?.slice(0, 2000) ?? null],
    );
  }
}
