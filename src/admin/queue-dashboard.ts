import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { TokenVerifier } from '../auth/token-verifier';
import { sendProblem } from '../common/problem-details.filter';
import { problem } from '../common/problem-details';
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
