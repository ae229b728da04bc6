/** Socket-level failures: the server is not there (stopped, restarting, unreachable). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * PostgreSQL's own words for "not now": SQLSTATE class 08 (connection exception), 57P01
 * admin_shutdown (a fast shutdown ends the session), 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up or shutting down).
 */
const POSTGRES_UNAVAILABLE = /^(08\w{3}|57P0[123])$/;
/** node-postgres and pg-pool report a lost or unobtainable connection by message only. */
const DRIVER_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Connection terminated unexpectedly)/;

/**
 * Whether `error` (or an error it wraps, as `cause` or a driver error) says that a server the
 * service depends on is unavailable for the moment: the client should retry later (503), and no
 * bug is implied (not a 500). Pure.
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, cause, driverError } = error as { code?: unknown; message?: unknown; cause?: unknown; driverError?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) return true;
  if (typeof message === 'string' && DRIVER_MESSAGES.test(message)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDependencyUnavailable(inner, depth + 1))) return true;
  return isDependencyUnavailable(cause, depth + 1) || isDependencyUnavailable(driverError, depth + 1);
}
