/**
 * Timestamps as Segment clients send them.
 *
 * Parsing is lenient on purpose: Segment's own HTTP API docs send "2015-2-02T00:30:08.276Z"
 * (month not zero-padded), and old clients do the same, so one- or two-digit month, day, hour,
 * minute and second are accepted, a space may stand for the `T`, and a time without a zone is
 * read as UTC. Anything else (words, impossible dates such as February 30) is refused, so a
 * garbled timestamp is rejected rather than silently moved to "now".
 */
const LENIENT_ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses an ISO-8601-like timestamp; null when it is not one. */
export function parseLenientTimestamp(text: string): Date | null {
  const match = LENIENT_ISO.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Before 1970 is a client bug (an unset clock), not an event; Date.UTC also maps 0-99 to 19xx.
  if (year < 1970 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59)
    return null;
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const date = new Date(utc - zoneOffsetMinutes(zone) * 60_000);
  return Number.isNaN(date.getTime()) ? null : date;
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

/**
 * When the event happened, corrected for the client's clock: Segment's formula
 * `timestamp = receivedAt − (sentAt − originalTimestamp)`. Without `sentAt` the client's time
 * is trusted as is; without any client time the event happened when it arrived.
 */
export function correctClockSkew(times: {
  original: Date | null;
  sentAt: Date | null;
  receivedAt: Date;
}): Date {
  const { original, sentAt, receivedAt } = times;
  if (!original) return receivedAt;
  if (!sentAt) return original;
  return new Date(receivedAt.getTime() - (sentAt.getTime() - original.getTime()));
}

const EARLIEST_MS = Date.UTC(1970, 0, 1);
const END_MS = Date.UTC(10000, 0, 1);

/**
 * Whether an event time can be stored: from 1970 through the year 9999, the range parsing
 * accepts. Clock-skew correction can move a time out of it (a client whose clock says 1970).
 */
export function isStorableEventTime(instant: Date): boolean {
  const ms = instant.getTime();
  return ms >= EARLIEST_MS && ms < END_MS;
}
