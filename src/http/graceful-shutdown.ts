import type { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { problem } from '../common/problem-details';
import { sendProblem } from '../common/problem-details.filter';

/** A client told to come back: long enough for a load balancer to route it to another process. */
const RETRY_AFTER_S = 2;

export interface ShutdownOptions {
  /** SHUTDOWN_GRACE_MS: past it the process exits anyway (non-zero), leaving jobs to be recovered as stalled. */
  readonly graceMs: number;
  readonly logger: Logger;
  /** Runs after the application closed: stops the servers the process started itself (zero set-up). */
  readonly afterClose?: () => Promise<void>;
  /** Ends the process (a parameter so that the sequence can be followed in tests). */
  readonly exit?: (code: number) => never;
}

/**
 * SIGTERM and SIGINT stop the process cleanly:
 *  1. new requests are refused (503 problem+json with Retry-After on a kept-alive connection;
 *     the listening socket closes so new connections go elsewhere), while requests in hand finish;
 *  2. then the application closes: the relay and the sealer give up their leadership (their
 *     advisory locks go with their connections), queue workers finish their running jobs, the
 *     queues and the pools close;
 *  3. the process exits 0, or 1 when it took longer than `graceMs`.
 * A second signal exits at once.
 */
export function stopOnSignals(app: NestFastifyApplication, options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number): never => process.exit(code));
  const fastify = app.getHttpAdapter().getInstance();
  let stopping = false;

  fastify.addHook('onRequest', (request, reply, done) => {
    if (!stopping) return done();
    void reply.header('retry-after', String(RETRY_AFTER_S)).header('connection', 'close');
    sendProblem(request, reply, problem(503, 'shutting_down', `this process is shutting down: try again in ${RETRY_AFTER_S} s`));
  });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger.warn(`${signal} again: exiting now`);
      exit(1);
    }
    stopping = true;
    options.logger.log(`${signal}: finishing requests and jobs in hand (up to ${options.graceMs} ms), then exiting`);
    const deadline = setTimeout(() => {
      options.logger.error(`still stopping after SHUTDOWN_GRACE_MS (${options.graceMs} ms): exiting now`);
      exit(1);
    }, options.graceMs);
    deadline.unref();
    void (async () => {
      // Draining HTTP first: the application's pools must outlive every request still in hand.
      await fastify.close();
      await app.close();
      await options.afterClose?.();
      clearTimeout(deadline);
      options.logger.log('stopped');
      exit(0);
    })().catch((error: unknown) => {
      options.logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
