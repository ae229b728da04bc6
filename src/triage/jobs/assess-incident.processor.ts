import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { jobTrace, systemContext } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData } from '../../queues/queue-definitions';
import { IncidentAssessmentStore } from './incident-assessment.store';

/**
 * `incident-response` (rapid track, by priority): records the urgent alert to officers (itself,
 * not through a notifications job) and flags likely duplicates. Both are idempotent: the alert id
 * is fixed per request, a flag is recorded once per pair.
 */
@Injectable()
export class AssessIncidentProcessor implements JobProcessor<'incident-response'> {
  readonly queue = 'incident-response' as const;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly incidents: IncidentAssessmentStore,
    private readonly clock: Clock,
  ) {}

  async process(job: Job<JobData<'incident-response'>>): Promise<void> {
    const { requestId, trace } = job.data;
    // The urgent alert recorded, the request and its likely duplicates read, in one round trip
    // (shared with the other incidents assessed meanwhile).
    const incident = await this.incidents.assess({ requestId, alertId: `${requestId}-urgent` });
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
  }
}
