import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Fields that carry keys or personal data wherever they appear in a log line (up to three levels
 * deep): they are replaced by "[redacted]". Logging an email or a payload on purpose needs a
 * field name that is not here, and a reason.
 */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'writeKey',
  'apiKey',
  'adminKey',
  'key',
  'password',
  'email',
  'traits',
  'properties',
  'context',
  'variables',
  'body',
];
const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => [
  field,
  `*.${field}`,
  `*.*.${field}`,
  `*.*.*.${field}`,
]);

/**
 * Parts of an error that hold the values of a failed statement, not its cause: TypeORM's
 * `parameters` and `query` (ingestion inlines values in its SQL text), PostgreSQL's `detail`
 * ("Failing row contains (...)", "Key (email)=(...)"), `where` (COPY line contents) and
 * `internalQuery`. The message, SQLSTATE `code`, `constraint`, `table` and stack stay.
 */
const ERROR_FIELDS_WITH_VALUES = new Set([
  'parameters',
  'query',
  'detail',
  'where',
  'internalQuery',
]);

/** pino's error serializer, minus statement values, through `cause` and `driverError`. */
export function serializeError(error: unknown): unknown {
  return withoutStatementValues(pino.stdSerializers.err(error as Error), 0);
}

function withoutStatementValues(value: unknown, depth: number): unknown {
  if (!value || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => withoutStatementValues(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !ERROR_FIELDS_WITH_VALUES.has(key))
      .map(([key, item]) => [key, withoutStatementValues(item, depth + 1)]),
  );
}

/** The process logger; `destination` defaults to stdout (tests pass a stream to read it). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'harmony' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}
