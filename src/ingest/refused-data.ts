import type { IngestMessage, Rejection } from './ingest-message';

/**
 * Integrity errors that depend on other rows, not on the message (a concurrent insert, a row
 * deleted meanwhile): the request fails and the client's retry is right.
 */
const STATE_DEPENDENT = new Set(['23503', '23505']);
/** Program limits a value can reach: an index entry too large, JSON nested too deep. */
const VALUE_LIMITS = new Set(['54000', '54001']);
const MAX_REASON_LENGTH = 300;

/**
 * Whether PostgreSQL refused a value the statement carried (data exceptions, class 22, and
 * integrity violations, class 23): then a message is to blame, and splitting the batch finds it.
 */
export function isRefusedData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('22')) return true;
  if (code.startsWith('23')) return !STATE_DEPENDENT.has(code);
  return VALUE_LIMITS.has(code);
}

/**
 * The refusal of a message PostgreSQL would not store, with its primary message and SQLSTATE
 * (never the statement, its parameters or the error's detail, which may quote other rows).
 */
export function refusedMessage(message: IngestMessage, error: unknown): Rejection {
  const { code, message: text } = error as { code: string; message: string };
  const reason = text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
  return {
    index: message.index,
    messageId: message.messageId,
    reason: 'invalid_field',
    message: `PostgreSQL refused this message: ${reason} (SQLSTATE ${code})`,
  };
}
