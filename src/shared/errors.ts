/**
 * The closed set of error codes Harmony answers with. Domain code throws `HarmonyError`; the
 * server translates codes to GraphQL error extensions or HTTP statuses in one place.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** Metrics: no metric has the name asked for; `details.expected` lists the known names. */
  UNKNOWN_METRIC: 404,
  /** Metrics: a window, time zone or grain that cannot be evaluated. */
  INVALID_WINDOW: 400,
  /** Metrics: a groupBy or filter dimension the metric does not declare. */
  DIMENSION_NOT_ALLOWED: 400,
  /** Metrics: a definition (YAML entry or defineMetric input) that does not validate. */
  INVALID_METRIC_DEFINITION: 400,
  /** Segments: a definition (YAML entry or defineSegment input) that does not validate. */
  INVALID_SEGMENT_DEFINITION: 400,
  /** GraphQL: the selection is nested deeper than the limit. */
  QUERY_TOO_DEEP: 400,
  /** GraphQL: more aliases than the limit. */
  TOO_MANY_ALIASES: 400,
  /** GraphQL: more directives than the limit. */
  TOO_MANY_DIRECTIVES: 400,
  /** GraphQL: the document has more tokens than the parser accepts. */
  TOO_MANY_TOKENS: 400,
  /** GraphQL: the estimated cost (fields times the rows of their lists) is over the limit. */
  QUERY_TOO_COMPLEX: 400,
  /** GraphQL: the request would run more metric evaluations than the limit. */
  TOO_MANY_METRIC_EVALUATIONS: 400,
  /** Metrics: the answer would hold more points (buckets x groups) than the limit. */
  TOO_MANY_POINTS: 400,
  /** Metrics: a statement ran past its timeout; a shorter window or a coarser grain helps. */
  QUERY_TIMEOUT: 504,
  /** Money in several currencies would be added (MRR); Harmony does not convert currencies. */
  MIXED_CURRENCIES: 422,
  /**
   * Over capacity (no free database connection, a full ingest queue, no metric slot) or
   * PostgreSQL unreachable: nothing was done; retry after `details.retryAfterSeconds`.
   */
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HarmonyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra facts for the client, e.g. `{ field: 'inputs[3].email' }`. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HarmonyError';
  }
}

/** A validation failure that names the offending field. */
export function invalidInput(
  field: string,
  message: string,
  details: Record<string, unknown> = {},
) {
  return new HarmonyError('BAD_USER_INPUT', `${field}: ${message}`, { field, ...details });
}

export function notFound(what: string, key: string) {
  return new HarmonyError('NOT_FOUND', `${what} ${JSON.stringify(key)} does not exist`, {
    what,
    key,
  });
}

/** A refusal to retry later; HTTP answers carry `Retry-After: <retryAfterSeconds>`. */
export function serviceUnavailable(
  message: string,
  retryAfterSeconds: number,
  details: Record<string, unknown> = {},
  options?: { cause?: unknown },
) {
  return new HarmonyError(
    'SERVICE_UNAVAILABLE',
    message,
    { ...details, retryAfterSeconds },
    options,
  );
}

/** Seconds a client should wait before retrying, when the error says so. */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  if (!(error instanceof HarmonyError)) return undefined;
  const seconds = error.details.retryAfterSeconds;
  return typeof seconds === 'number' ? seconds : undefined;
}
