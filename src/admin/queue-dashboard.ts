import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { TokenVerifier } from '../auth/token-verifier';
import { problemCodeFor, sendProblem } from '../common/problem-details.filter';
import { PROBLEM_CONTENT_TYPE, problem } from '../common/problem-details';
import { QUEUE_NAMES } from '../queues/queue-definitions';
import { QueueProducer } from '../queues/queue-producer';
import { adminAccess, adminToken } from './admin-access';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board over every queue at /admin/queues, for admins only: by bearer token or by the cookie
 * of POST /admin/session. Bull Board mounts as plain Fastify routes, which Nest's guards never see,
 * so the check is a hook of its own, scoped to the dashboard's routes. API role only.
 */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const queues = app.get(QueueProducer, { strict: false });
  const verifier = app.get(TokenVerifier, { strict: false });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(queues.queue(name), { readOnlyMode: false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'cdt-fund queues' } },
  });
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request, reply) => {
      const access = await adminAccess(adminToken(request.headers), verifier);
      if (access.ok) {
        // Bull Board decodes some query values and parameters a second time (a stray `%` there is a
        // 500 of its own), and passes them on to Redis (a control character is another). Refused
        // here, naming the field.
        const unusable = unusableField(request.query, 'query') ?? unusableField(request.params, 'path');
        if (unusable === undefined) return;
        sendProblem(request, reply, problem(400, 'bad_request', `${unusable} holds a control character or is not valid percent-encoding`));
        return reply;
      }
      if (access.status === 503) void reply.header('retry-after', '5');
      const code = access.status === 401 ? 'unauthorized' : access.status === 403 ? 'forbidden' : 'auth.key_set_unavailable';
      sendProblem(request, reply, problem(access.status, code, access.detail));
      return reply;
    });
    // Bull Board's own refusals ({"error":{"key":"ERRORS.QUEUE_NOT_FOUND"}}) become problem+json
    // like every other error; the `error` member stays, for the dashboard's page to read.
    scope.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 400 || !String(reply.getHeader('content-type') ?? '').startsWith('application/json') || typeof payload !== 'string') return payload;
      const board = parseBoardError(payload);
      const status = reply.statusCode;
      void reply.header('content-type', PROBLEM_CONTENT_TYPE);
      return JSON.stringify({ ...problem(status, problemCodeFor(status), board.detail), instance: request.url, ...(board.error === undefined ? {} : { error: board.error }) });
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}

/** A control character, as such or once decoded. */
const CONTROL = /\p{Cc}/u;

/**
 * The first string value (named `<where> parameter <name>`) that holds a control character or
 * that decodeURIComponent refuses or turns into one, if any.
 */
function unusableField(values: unknown, where: 'query' | 'path'): string | undefined {
  if (typeof values !== 'object' || values === null) return undefined;
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      let decoded: string;
      try {
        decoded = decodeURIComponent(item);
      } catch {
        return `${where} parameter ${JSON.stringify(name)}`;
      }
      if (CONTROL.test(item) || CONTROL.test(decoded) || CONTROL.test(name)) return `${where} parameter ${JSON.stringify(name)}`;
    }
  }
  return undefined;
}

/** What Bull Board said: its error key ("ERRORS.QUEUE_NOT_FOUND" → "queue not found") or message. */
function parseBoardError(payload: string): { readonly detail: string; readonly error?: unknown } {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return { detail: 'the queue dashboard refused the request' };
  }
  const error = (body as { error?: unknown } | null)?.error;
  const key = (error as { key?: unknown } | undefined)?.key;
  const message = typeof key === 'string' ? key.replace(/^ERRORS\./u, '').replaceAll('_', ' ').toLowerCase() : typeof error === 'string' ? error : (body as { message?: unknown } | null)?.message;
  return { detail: typeof message === 'string' && message !== '' ? message : 'the queue dashboard refused the request', ...(error === undefined ? {} : { error }) };
}
