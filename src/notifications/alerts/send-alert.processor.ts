import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData } from '../../queues/queue-definitions';
import { OfficerAlerts } from './officer-alerts';

/** `notifications`: records an alert to officers (see OfficerAlerts), once per alert id. */
@Injectable()
export class SendAlertProcessor implements JobProcessor<'notifications'> {
  readonly queue = 'notifications' as const;

  constructor(private readonly alerts: OfficerAlerts) {}

  async process(job: Job<JobData<'notifications'>>): Promise<void> {
    await this.alerts.record(job.data);
  }
}
