import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { AidRequestViewStore } from '../../aid-requests/projections/aid-request-view.store';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { jobTrace, systemContext } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData } from '../../queues/queue-definitions';
import { OfficerAlerts } from '../../notifications/alerts/officer-alerts';

/** Incidents detected this close together in one country are likely the same attack. */
export const DUPLICATE_WINDOW_MS = 72 * 3600 * 1000;
/** The closest few are flagged: a country reporting one attack many times must not flag every pair. */
export const MAX_DUPLICATES_FLAGGED = 5;

/**
 * `incident-response` (rapid track, by priority): flags likely duplicates and records the urgent
 * alert to officers. Both are idempotent: a flag is recorded once per pair, the alert id is fixed
 * per request.
 */
@Injectable()
export class AssessIncidentProcessor implements JobProcessor<'incident-response'> {
  readonly queue = 'incident-response' as const;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly views: AidRequestViewStore,
    private readonly alerts: OfficerAlerts,
    private readonly clock: Clock,
  ) {}

  async process(job: Job<JobData<'incident-response'>>): Promise<void> {
    const { requestId, trace } = job.data;
    // The request and its likely duplicates in one round trip.
    const incident = await this.views.findIncidentWithPossibleDuplicates(requestId, DUPLICATE_WINDOW_MS, MAX_DUPLICATES_FLAGGED);
    if (incident === undefined) return;
    for (const other of incident.duplicates) {
      const hours = Math.round(Math.abs(Date.parse(other.detectedAt) - Date.parse(incident.detectedAt)) / 360_000) / 10;
      const command = {
        type: 'FlagPossibleDuplicate',
        data: { duplicateOf: other.id, reason: `open incident request from ${incident.country} detected ${hours} h apart` },
        context: systemContext(this.queue, this.clock.now()),
      } as const;
      await this.commandBus.execute(ExecuteCommand.on(aidRequests, requestId, command, { trace: jobTrace(job, trace) }));
    }
    // Recorded here rather than through a job of the notifications queue: one statement, idempotent by its id.
    await this.alerts.record({ alertId: `${requestId}-urgent`, kind: 'urgent_incident', requestId });
  }
}
