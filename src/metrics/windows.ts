import { DateTime, IANAZone, type DurationLikeObject } from 'luxon';
import { HarmonyError } from '../shared/errors';

/** Relative windows; each ends at the end of the current period, so today/this month count. */
export const RELATIVE_WINDOWS = [
  'LAST_7_DAYS',
  'LAST_30_DAYS',
  'LAST_90_DAYS',
  'MONTH_TO_DATE',
  'QUARTER_TO_DATE',
  'YEAR_TO_DATE',
  'PREVIOUS_MONTH',
  'PREVIOUS_QUARTER',
  'LAST_12_MONTHS',
] as const;
export type RelativeWindow = (typeof RELATIVE_WINDOWS)[number];

export const GRAINS = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const;
export type Grain = (typeof GRAINS)[number];

export const COMPARISONS = ['PREVIOUS_PERIOD', 'SAME_PERIOD_LAST_YEAR'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** Most buckets one query may ask for (ten years of days would be 3,650). */
export const MAX_BUCKETS = 1500;

/**
 * Longest absolute window, in years: two decades of monthly or yearly history, checked before
 * any bucket or day is built (a window from year 1 to 9999 would build millions of them).
 */
export const MAX_WINDOW_YEARS = 20;

export type WindowRequest = {
  from?: Date | null;
  to?: Date | null;
  relative?: RelativeWindow | null;
  timezone?: string | null;
  /** Only periods complete at `now`: see completeWindow. Default false. */
  completeOnly?: boolean | null;
};

/** A half-open window `[from, to)` whose calendar arithmetic happens in `timezone`. */
export type ResolvedWindow = { from: DateTime; to: DateTime; timezone: string };

export type Bucket = { start: DateTime; end: DateTime };

const LUXON_UNIT = {
  DAY: 'day',
  WEEK: 'week',
  MONTH: 'month',
  QUARTER: 'quarter',
  YEAR: 'year',
} as const;

function invalidWindow(message: string, details: Record<string, unknown> = {}): HarmonyError {
  return new HarmonyError('INVALID_WINDOW', message, details);
}

/**
 * Turns a window input into absolute instants; `now` is injected so this stays pure.
 * `knownZones` are the zone names PostgreSQL and Luxon both read the same way (see
 * time-zones.ts); without it, any IANA name Luxon knows is accepted.
 */
export function resolveWindow(
  input: WindowRequest,
  now: Date,
  knownZones?: ReadonlySet<string>,
  grain?: Grain | null,
): ResolvedWindow {
  const window = resolveWholeWindow(input, now, knownZones);
  return input.completeOnly ? completeWindow(window, input.relative ?? null, now, grain) : window;
}

function resolveWholeWindow(
  input: WindowRequest,
  now: Date,
  knownZones?: ReadonlySet<string>,
): ResolvedWindow {
  const timezone = input.timezone ?? 'UTC';
  assertKnownZone(timezone, knownZones);
  const hasAbsolute = input.from != null || input.to != null;
  if (hasAbsolute === (input.relative != null)) {
    throw invalidWindow(
      'window: expected either { from, to } or { relative }, not both or neither',
      {
        field: 'window',
        expected: '{ from, to } or { relative }',
      },
    );
  }
  if (input.relative)
    return relativeWindow(input.relative, DateTime.fromJSDate(now, { zone: timezone }), timezone);
  if (input.from == null || input.to == null) {
    throw invalidWindow('window: expected both from and to', {
      field: 'window',
      expected: '{ from, to }',
    });
  }
  const from = DateTime.fromJSDate(input.from, { zone: timezone });
  const to = DateTime.fromJSDate(input.to, { zone: timezone });
  if (!from.isValid || !to.isValid || from >= to) {
    throw invalidWindow(
      `window: expected from < to, got from ${input.from.toISOString?.()} and to ${input.to.toISOString?.()}`,
      { field: 'window', expected: 'from < to' },
    );
  }
  if (to > from.plus({ years: MAX_WINDOW_YEARS })) {
    throw invalidWindow(
      `window: expected at most ${MAX_WINDOW_YEARS} years, got ${Math.floor(to.diff(from, 'years').years)} years (${from.toUTC().toISO()} to ${to.toUTC().toISO()}); ask for a shorter window`,
      {
        field: 'window',
        expected: `at most ${MAX_WINDOW_YEARS} years`,
        maxYears: MAX_WINDOW_YEARS,
      },
    );
  }
  return { from, to, timezone };
}

/**
 * `completeOnly`: the window without the period still running at `now`. LAST_n_DAYS become the
 * n complete days before today, LAST_12_MONTHS the 12 complete months before this one, the
 * _TO_DATE windows and absolute ones end at the start of today, PREVIOUS_ windows stay; with a
 * grain the end also moves back to the start of the bucket holding `now`, so no bucket is
 * partial. A window left empty (MONTH_TO_DATE on the 1st) is an INVALID_WINDOW error.
 */
export function completeWindow(
  window: ResolvedWindow,
  relative: RelativeWindow | null,
  nowInstant: Date,
  grain?: Grain | null,
): ResolvedWindow {
  const now = DateTime.fromJSDate(nowInstant, { zone: window.timezone });
  const today = now.startOf('day');
  let { from, to } = window;
  if (relative === 'LAST_7_DAYS' || relative === 'LAST_30_DAYS' || relative === 'LAST_90_DAYS') {
    from = from.minus({ days: 1 });
    to = today;
  } else if (relative === 'LAST_12_MONTHS') {
    from = from.minus({ months: 1 });
    to = now.startOf('month');
  }
  if (to > today) to = today;
  if (grain) {
    const bucketNow = now.startOf(LUXON_UNIT[grain]);
    if (to > bucketNow) to = bucketNow;
  }
  if (from >= to) {
    throw invalidWindow(
      `window: completeOnly leaves no complete ${grain ? grain.toLowerCase() : 'day'} in ${relative ?? 'the window'} at ${now.toISO()}; ask without completeOnly or for an earlier window`,
      { field: 'window.completeOnly', expected: 'a window with at least one complete period' },
    );
  }
  return { ...window, from, to };
}

/** Only zone names both sides read alike: Luxon alone takes `system`, `local` or `UTC+3`. */
function assertKnownZone(timezone: string, knownZones: ReadonlySet<string> | undefined): void {
  const known = knownZones
    ? knownZones.has(timezone)
    : IANAZone.isValidZone(timezone) && !/^(utc|gmt)[+-]/i.test(timezone);
  if (!known) {
    throw invalidWindow(
      `window.timezone: expected an IANA time zone name known to PostgreSQL, e.g. "Europe/Berlin" or "UTC", got "${timezone}"`,
      { field: 'window.timezone', expected: 'IANA time zone, e.g. "Europe/Berlin"', got: timezone },
    );
  }
}

function relativeWindow(relative: RelativeWindow, now: DateTime, timezone: string): ResolvedWindow {
  const tomorrow = now.startOf('day').plus({ days: 1 });
  const window = (from: DateTime, to: DateTime) => ({ from, to, timezone });
  switch (relative) {
    case 'LAST_7_DAYS':
      return window(tomorrow.minus({ days: 7 }), tomorrow);
    case 'LAST_30_DAYS':
      return window(tomorrow.minus({ days: 30 }), tomorrow);
    case 'LAST_90_DAYS':
      return window(tomorrow.minus({ days: 90 }), tomorrow);
    case 'MONTH_TO_DATE':
      return window(now.startOf('month'), tomorrow);
    case 'QUARTER_TO_DATE':
      return window(now.startOf('quarter'), tomorrow);
    case 'YEAR_TO_DATE':
      return window(now.startOf('year'), tomorrow);
    case 'PREVIOUS_MONTH':
      return window(now.startOf('month').minus({ months: 1 }), now.startOf('month'));
    case 'PREVIOUS_QUARTER':
      return window(now.startOf('quarter').minus({ quarters: 1 }), now.startOf('quarter'));
    case 'LAST_12_MONTHS':
      return window(
        now.startOf('month').minus({ months: 11 }),
        now.startOf('month').plus({ months: 1 }),
      );
  }
}

/**
 * The buckets of a window: boundaries at each grain start (weeks start on Monday) in the
 * window's zone, so a day is 23 or 25 hours across a DST change. A window not aligned to the
 * grain gets partial first and last buckets. Without a grain the whole window is one bucket.
 */
export function bucketsOf(window: ResolvedWindow, grain: Grain | null | undefined): Bucket[] {
  if (!grain) return [{ start: window.from, end: window.to }];
  const unit = LUXON_UNIT[grain];
  // Counted before any bucket is built, so a long window of days costs nothing to refuse.
  const estimate = Math.ceil(window.to.diff(window.from.startOf(unit), unit).as(unit));
  if (estimate > MAX_BUCKETS) throw tooManyBuckets(grain, estimate);
  const buckets: Bucket[] = [];
  let start = window.from;
  while (start < window.to) {
    const next = start.startOf(unit).plus({ [unit]: 1 } as DurationLikeObject);
    const end = next < window.to ? next : window.to;
    buckets.push({ start, end });
    start = end;
    if (buckets.length > MAX_BUCKETS) throw tooManyBuckets(grain, buckets.length);
  }
  return buckets;
}

function tooManyBuckets(grain: Grain, count: number): HarmonyError {
  return invalidWindow(
    `window: expected at most ${MAX_BUCKETS} ${grain} buckets, got ${count}; use a coarser grain or a shorter window`,
    { field: 'grain', expected: `at most ${MAX_BUCKETS} buckets`, maxBuckets: MAX_BUCKETS },
  );
}

/** The window a comparison reads: the one just before, or the same dates a year earlier. */
export function comparisonWindow(window: ResolvedWindow, compare: Comparison): ResolvedWindow {
  if (compare === 'SAME_PERIOD_LAST_YEAR') return shiftWindow(window, { years: -1 });
  const months = wholeMonthsBetween(window.from, window.to);
  if (months !== null) return shiftWindow(window, { months: -months });
  const days = wholeDaysBetween(window.from, window.to);
  if (days !== null) return shiftWindow(window, { days: -days });
  const length = window.to.toMillis() - window.from.toMillis();
  return shiftWindow(window, { milliseconds: -length });
}

/** Moves both ends of a window by a calendar duration in its zone. */
export function shiftWindow(window: ResolvedWindow, by: DurationLikeObject): ResolvedWindow {
  return { ...window, from: window.from.plus(by), to: window.to.plus(by) };
}

/** Average days in each offset unit, to bound an offset without building a date. */
const DAYS_PER_UNIT = { day: 1, week: 7, month: 365.25 / 12, quarter: 365.25 / 4, year: 365.25 };

/** True when an offset such as "-1 month" moves a window by at most MAX_WINDOW_YEARS. */
export function offsetWithinLimit(offset: string): boolean {
  const match = /^(-?\d+) (day|week|month|quarter|year)s?$/.exec(offset);
  if (!match) return false;
  const unit = match[2] as keyof typeof DAYS_PER_UNIT;
  return Math.abs(Number(match[1])) * DAYS_PER_UNIT[unit] <= MAX_WINDOW_YEARS * 365.25;
}

/** Parses a derived input's offset such as "-1 month"; at most MAX_WINDOW_YEARS either way. */
export function parseOffset(offset: string): DurationLikeObject {
  const match = /^(-?\d+) (day|week|month|quarter|year)s?$/.exec(offset);
  if (!match || !offsetWithinLimit(offset)) {
    throw invalidWindow(
      `offset: expected e.g. "-1 month", at most ${MAX_WINDOW_YEARS} years, got "${offset}"`,
      { field: 'offset', maxYears: MAX_WINDOW_YEARS },
    );
  }
  return { [`${match[2]}s`]: Number(match[1]) } as DurationLikeObject;
}

/** Months between two month starts, or null when either is not a month start. */
function wholeMonthsBetween(from: DateTime, to: DateTime): number | null {
  if (!from.equals(from.startOf('month')) || !to.equals(to.startOf('month'))) return null;
  return (to.year - from.year) * 12 + (to.month - from.month);
}

function wholeDaysBetween(from: DateTime, to: DateTime): number | null {
  if (!from.equals(from.startOf('day')) || !to.equals(to.startOf('day'))) return null;
  return Math.round(to.diff(from, 'days').days);
}

/** True when every boundary falls on a UTC midnight, so the UTC daily rollups answer exactly. */
export function alignedToUtcDays(boundaries: DateTime[]): boolean {
  return boundaries.every((instant) => {
    const utc = instant.toUTC();
    return utc.equals(utc.startOf('day'));
  });
}

/** True when every boundary is a UTC month start, so the monthly rollup answers exactly. */
export function alignedToUtcMonths(boundaries: DateTime[]): boolean {
  return boundaries.every((instant) => {
    const utc = instant.toUTC();
    return utc.equals(utc.startOf('month'));
  });
}

/** The month starts, in the window's zone, that lie in `[from, to)`. */
export function monthStartsIn(from: DateTime, to: DateTime): DateTime[] {
  const starts: DateTime[] = [];
  let month = from.startOf('month');
  if (month < from) month = month.plus({ months: 1 });
  while (month < to) {
    starts.push(month);
    month = month.plus({ months: 1 });
  }
  return starts;
}

/** The day starts, in the window's zone, that lie in `[from, to)`. */
export function dayStartsIn(from: DateTime, to: DateTime): DateTime[] {
  const starts: DateTime[] = [];
  let day = from.startOf('day');
  if (day < from) day = day.plus({ days: 1 });
  while (day < to) {
    starts.push(day);
    day = day.plus({ days: 1 });
  }
  return starts;
}
