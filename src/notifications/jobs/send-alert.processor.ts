import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Pool } from 'pg';
import { AidRequestViewStore } from '../../aid-requests/projections/aid-request-view.store';
import { PG_POOL } from '../../database/pg-pool';
import type { JobProcessor } from '../../queues/job-processor';
import type { AlertJob, JobData } from '../../queues/queue-definitions';

const SUBJECTS: Readonly<Record<AlertJob['kind'], string>> = {
  urgent_incident: 'Urgent: incident response requested',
  sla_breached: 'SLA breached',
  possible_duplicate: 'Possible duplicate request',
  report_overdue: 'Progress report overdue',
};

/**
 * `notifications`: records each alert to officers in the `notifications` outbox, once per alert id.
 * Delivery channels (e-mail, chat, paging) read from there.
 */
@Injectable()
export class SendAlertProcessor implements JobProcessor<'notifications'> {
  readonly queue = 'notifications' as const;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly views: AidRequestViewStore,
  ) {}

  async process(job: Job<JobData<'notifications'>>): Promise<void> {
    const { alertId, kind, requestId } = job.data;
    const view = await this.views.findById(requestId);
    const subject = view
      ? `${SUBJECTS[kind]}: ${view.country}, priority ${view.priority ?? '-'}, "${view.title}"`
      : `${SUBJECTS[kind]}: request ${requestId}`;
    await this.pool.query(
      `INSERT INTO notifications (id, kind, audience, request_id, subject, details) VALUES ($1, $2, 'officers', $3, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [alertId, kind, requestId, subject, JSON.stringify({ priority: view?.priority ?? null, status: view?.status ?? null, slaBreaches: view?.slaBreaches ?? [] })],
    );
  }
}
