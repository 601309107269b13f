/** Standard Webhooks' schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000,
  86_400_000,
];

/** Longest Retry-After honoured; a longer one is read as this. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * When to try again after `attempts` failed attempts, or null when the schedule is exhausted
 * (dead-letter). ±10 % jitter spreads retries of many deliveries that failed together; a
 * Retry-After from the receiver is a floor.
 */
export function nextAttemptDelayMs(
  schedule: number[],
  attempts: number,
  retryAfterMs: number | null,
  random = Math.random,
): number | null {
  if (attempts >= schedule.length) return null;
  const base = schedule[attempts];
  const jittered = Math.round(base * (0.9 + 0.2 * random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** A Retry-After header (seconds or an HTTP date) in ms from `now`; null when absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}
