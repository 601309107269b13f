import { HarmonyError, serviceUnavailable } from '../shared/errors';

/** Seconds a client should wait after the pool had no free connection in time. */
export const RETRY_AFTER_BUSY_SECONDS = 2;
/** Seconds a client should wait after PostgreSQL could not be reached. */
export const RETRY_AFTER_DOWN_SECONDS = 5;

/** Socket errors of a PostgreSQL that is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that cannot serve us right now: admin/crash shutdown, starting up, too
 * many connections, the connection-exception class (08…), and the database gone (3D000).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);

/** node-postgres errors without a code: the pool's acquire timeout and a dead connection. */
const ACQUIRE_TIMEOUT = /timeout exceeded when trying to connect/i;
const CONNECTION_LOST =
  /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|not queryable/i;

/** The pool had no free connection in time: PostgreSQL is up, this process is at capacity. */
export function isAcquireTimeout(error: unknown): boolean {
  return asServiceUnavailable(error)?.details.limit === ACQUIRE_TIMEOUT_LIMIT;
}

const ACQUIRE_TIMEOUT_LIMIT = 'HARMONY_DB_ACQUIRE_TIMEOUT_MS';

/**
 * The one place that decides whether a failure means "the database cannot serve us now": such
 * an error becomes SERVICE_UNAVAILABLE (HTTP 503 with Retry-After) instead of a 500. Also returns
 * an error that already is one. Walks `cause` and TypeORM's `driverError`.
 */
export function asServiceUnavailable(error: unknown): HarmonyError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof HarmonyError)
      return current.code === 'SERVICE_UNAVAILABLE' ? current : undefined;
    const { code, message } = current as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (ACQUIRE_TIMEOUT.test(text)) {
      return serviceUnavailable(
        'No PostgreSQL connection became free within the acquire timeout ' +
          '(HARMONY_DB_ACQUIRE_TIMEOUT_MS): the server is at capacity; retry later',
        RETRY_AFTER_BUSY_SECONDS,
        { limit: ACQUIRE_TIMEOUT_LIMIT },
        { cause: current },
      );
    }
    const sqlState = typeof code === 'string' ? code : '';
    if (
      NETWORK_CODES.has(sqlState) ||
      UNAVAILABLE_SQLSTATES.has(sqlState) ||
      sqlState.startsWith('08') ||
      CONNECTION_LOST.test(text)
    ) {
      return serviceUnavailable(
        `PostgreSQL is unavailable (${sqlState || text}); retry later`,
        RETRY_AFTER_DOWN_SECONDS,
        {},
        { cause: current },
      );
    }
    // graphql-js wraps a value from another realm (jest's vm) as NonErrorThrown.thrownValue.
    const next = current as { driverError?: unknown; cause?: unknown; thrownValue?: unknown };
    current = next.driverError ?? next.cause ?? next.thrownValue;
  }
  return undefined;
}
