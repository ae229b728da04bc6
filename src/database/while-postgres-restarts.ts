import pg from 'pg';

/**
 * PostgreSQL's words for "I am restarting": 57P01 admin_shutdown (a fast shutdown ends every
 * session), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down).
 */
const RESTARTING_CODES = /^57P0[123]$/;
/** node-postgres reports a session the server closed under it by message only. */
const SESSION_CUT = /^Connection terminated/;

/**
 * What a failed start-up step says about the server. Narrower than `isDependencyUnavailable` (which
 * decides 503s): a host that is not found or does not answer is a wrong address at start-up, not a
 * restart, and is reported at once. `restarting`: it is there and going down or
 * coming up. `refused`: nothing listens, which at start-up means a wrong DATABASE_URL, unless the
 * server was just seen restarting. `other`: anything else (a bug, bad credentials, a failed
 * migration), never retried. Pure.
 */
export function startupFailureKind(error: unknown): 'restarting' | 'refused' | 'other' {
  if (typeof error !== 'object' || error === null) return 'other';
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && RESTARTING_CODES.test(code)) return 'restarting';
  if (code === 'ECONNRESET' || (typeof message === 'string' && SESSION_CUT.test(message))) return 'restarting';
  if (code === 'ECONNREFUSED') return 'refused';
  return 'other';
}

export interface WhileRestartingOptions {
  /** Stop retrying once this long has passed since the first failure (default STARTUP_PATIENCE_MS). */
  readonly giveUpAfterMs?: number;
  /** Told of each retry, with the reason. */
  readonly onRetry?: (reason: string, attempt: number) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** How long start-up waits for a restarting PostgreSQL before it gives up. */
const STARTUP_PATIENCE_MS = 60_000;

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 2_000;

/**
 * Runs `step` (which must be safe to run again from the start) and runs it again while PostgreSQL
 * is restarting, pausing 250 ms doubling to 2 s; the last attempt is made `giveUpAfterMs` after
 * the first failure. A process started during a database restart (a supervisor restarting it, or
 * a deployment) then starts once the database is back instead of exiting. A refused connection is
 * retried only after the server was seen restarting: on a first attempt it is a wrong address,
 * reported at once.
 */
export async function whilePostgresRestarts<T>(step: () => Promise<T>, options: WhileRestartingOptions = {}): Promise<T> {
  const giveUpAfterMs = options.giveUpAfterMs ?? STARTUP_PATIENCE_MS;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let firstFailureAt: number | undefined;
  let seenRestarting = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      const kind = startupFailureKind(error);
      if (kind === 'restarting') seenRestarting = true;
      const retriable = kind === 'restarting' || (kind === 'refused' && seenRestarting);
      firstFailureAt ??= now();
      const patienceLeft = giveUpAfterMs - (now() - firstFailureAt);
      if (!retriable || patienceLeft <= 0) throw error;
      options.onRetry?.((error as Error).message, attempt);
      await sleep(Math.min(FIRST_PAUSE_MS * 2 ** (attempt - 1), LONGEST_PAUSE_MS, patienceLeft));
    }
  }
}

/**
 * A connection for one start-up step. PostgreSQL's fast shutdown sends its FATAL message to idle
 * sessions too, which node-postgres emits as 'error': unheard, that would crash the process
 * instead of failing the step (whose next query fails), which is then run again.
 */
export async function startupClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
