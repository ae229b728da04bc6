import type { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import type { AidRequestViewStore, MissedDeadline } from '../../aid-requests/projections/aid-request-view.store';
import { SystemClock } from '../../common/clock';
import type { JobRequest } from '../../queues/queue-definitions';
import type { QueueProducer } from '../../queues/queue-producer';
import { retryJob, SlaProcessor } from './sla.processor';

const missed: MissedDeadline[] = [
  { id: 'r1', deadline: 'acknowledge', dueAt: '2026-12-01T10:00:00.000Z' },
  { id: 'r2', deadline: 'decide', dueAt: '2026-12-01T11:00:00.000Z' },
  { id: 'r3', deadline: 'decide', dueAt: '2026-12-01T12:00:00.000Z' },
];

describe('the SLA sweep', () => {
  it('checks every passed deadline on its own: one that fails becomes a job of its own, the others are done', async () => {
    const checked: string[] = [];
    const commandBus = {
      execute: (command: { id: string }) => {
        checked.push(command.id);
        return command.id === 'r2' ? Promise.reject(new Error('serialization failure')) : Promise.resolve({ view: {}, version: 1, events: [] });
      },
    };
    const added: JobRequest[] = [];
    const producer = { add: (jobs: readonly JobRequest[]) => Promise.resolve(void added.push(...jobs)) };
    const views = { findMissedDeadlines: () => Promise.resolve(missed) };
    const processor = new SlaProcessor(commandBus as unknown as CommandBus, views as unknown as AidRequestViewStore, producer as unknown as QueueProducer, new SystemClock());

    await processor.process({ id: 'repeat:sla-sweep:1', name: 'sweep-missed-deadlines', data: {} } as unknown as Job<never, unknown, 'sweep-missed-deadlines'>);

    expect(checked).toEqual(['r1', 'r2', 'r3']);
    expect(added).toEqual([retryJob(missed[1]!, 'repeat:sla-sweep:1')]);
  });

  it('gives a retried deadline an id of the request, the deadline and its due time, apart from the report timers’', () => {
    expect(retryJob(missed[1]!, 'sweep').jobId).toBe(`retry-decide-r2-${Date.parse('2026-12-01T11:00:00.000Z')}`);
    expect(retryJob({ id: 'r4', deadline: 'report', dueAt: '2027-03-01T00:00:00.000Z' }, 'sweep')).toMatchObject({
      name: 'check-reports',
      jobId: `retry-report-r4-${Date.parse('2027-03-01T00:00:00.000Z')}`,
    });
  });
});
