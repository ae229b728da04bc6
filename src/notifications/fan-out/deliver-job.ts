import type { JobRequest } from '../../queues/queue-definitions';

/** The job for one series of attempts at one delivery: its id is the delivery's and the series'. */
export function deliverJob(deliveryId: string, series: number): JobRequest<'webhooks'> {
  return { queue: 'webhooks', name: 'deliver', data: { deliveryId, series }, jobId: `${deliveryId}-${series}` };
}
