/**
 * Instants as the UTC text PostgreSQL reads: `YYYY-MM-DD` days, `YYYY-MM-01` months and ISO
 * timestamps. A batch formats several per event (COPY rows, rollup bounds, last-seen times), and
 * `Date.prototype.toISOString` goes through a printf in V8: it was a tenth of the server's CPU.
 * Days are formatted once and cached (a batch's events fall on few days); the time of day is
 * plain arithmetic over lookup tables.
 */

const DAY_MS = 86_400_000;
const MAX_CACHED_DAYS = 100_000;
const dayNames = new Map<number, string>();

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/** `YYYY-MM-DD` of the UTC day an instant falls on. */
export function utcDay(instant: Date): string {
  return dayName(Math.floor(instant.getTime() / DAY_MS), instant);
}

/** `YYYY-MM-01` of the UTC month an instant falls on. */
export function utcMonth(instant: Date): string {
  return utcDay(instant).slice(0, 8) + '01';
}

let lastMs = NaN;
let lastText = '';

/** The same text as `toISOString()`, e.g. `2026-11-25T08:38:45.729Z`. */
export function isoTimestamp(instant: Date): string {
  const ms = instant.getTime();
  // All messages of a request share one receivedAt.
  if (ms === lastMs) return lastText;
  const dayNumber = Math.floor(ms / DAY_MS);
  let rest = ms - dayNumber * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  lastMs = ms;
  lastText = `${dayName(dayNumber, instant)}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`;
  return lastText;
}

function dayName(dayNumber: number, instant: Date): string {
  let name = dayNames.get(dayNumber);
  if (name === undefined) {
    if (dayNames.size > MAX_CACHED_DAYS) dayNames.clear();
    name = instant.toISOString().slice(0, 10);
    dayNames.set(dayNumber, name);
  }
  return name;
}
