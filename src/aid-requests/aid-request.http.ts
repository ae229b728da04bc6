import type { FastifyReply } from 'fastify';
import type { ExecutionResult } from '../common/idempotency/idempotent-execution';
import type { PersonalDataReader } from '../personal-data/personal-data-reader';
import type { AidRequestView } from './projections/aid-request-view';

export function aidRequestLocation(id: string): string {
  return `/v1/aid-requests/${id}`;
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Answers with a request view: ETag always, Location on creation, and a marker on idempotent
 * replays. The view (fresh or kept for a replay) holds the contact as stored; the answer shows it
 * decrypted.
 */
export async function sendAidRequest(reply: FastifyReply, result: ExecutionResult, personalData: PersonalDataReader): Promise<void> {
  const view = await personalData.showView(result.body as AidRequestView);
  void reply.status(result.status).header('etag', etagOf(view.version));
  if (result.status === 201) void reply.header('location', aidRequestLocation(view.id));
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  await reply.send(view);
}
