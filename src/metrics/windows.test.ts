import { DateTime } from 'luxon';
import { HarmonyError } from '../shared/errors';
import {
  alignedToUtcDays,
  bucketsOf,
  comparisonWindow,
  MAX_WINDOW_YEARS,
  offsetWithinLimit,
  parseOffset,
  resolveWindow,
  type ResolvedWindow,
} from './windows';

const iso = (d: DateTime) => d.toUTC().toISO();
const bounds = (window: ResolvedWindow) => [iso(window.from), iso(window.to)];
// Wednesday 2025-11-19 15:30 UTC.
const NOW = new Date('2025-11-19T15:30:00Z');

describe('resolveWindow', () => {
  test.each([
    ['LAST_7_DAYS', '2025-11-13T00:00:00.000Z', '2025-11-20T00:00:00.000Z'],
    ['LAST_30_DAYS', '2025-10-21T00:00:00.000Z', '2025-11-20T00:00:00.000Z'],
    ['LAST_90_DAYS', '2025-08-22T00:00:00.000Z', '2025-11-20T00:00:00.000Z'],
    ['MONTH_TO_DATE', '2025-11-01T00:00:00.000Z', '2025-11-20T00:00:00.000Z'],
    ['QUARTER_TO_DATE', '2025-10-01T00:00:00.000Z', '2025-11-20T00:00:00.000Z'],
    ['YEAR_TO_DATE', '2025-01-01T00:00:00.000Z', '2025-11-20T00:00:00.000Z'],
    ['PREVIOUS_MONTH', '2025-10-01T00:00:00.000Z', '2025-11-01T00:00:00.000Z'],
    ['PREVIOUS_QUARTER', '2025-07-01T00:00:00.000Z', '2025-10-01T00:00:00.000Z'],
    ['LAST_12_MONTHS', '2024-12-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z'],
  ] as const)('%s in UTC', (relative, from, to) => {
    expect(bounds(resolveWindow({ relative }, NOW))).toEqual([from, to]);
  });

  test('relative windows follow the zone: "today" in Tokyo is already Nov 20', () => {
    const window = resolveWindow(
      { relative: 'LAST_7_DAYS', timezone: 'Asia/Tokyo' },
      new Date('2025-11-19T16:00:00Z'),
    );
    expect(bounds(window)).toEqual(['2025-11-13T15:00:00.000Z', '2025-11-20T15:00:00.000Z']);
  });

  test('bad input is an INVALID_WINDOW error naming what was expected', () => {
    const attempt = (input: Parameters<typeof resolveWindow>[0]) => {
      try {
        resolveWindow(input, NOW);
      } catch (error) {
        return [(error as HarmonyError).code, (error as HarmonyError).details.expected];
      }
      return null;
    };
    const day = new Date('2025-01-01T00:00:00Z');
    expect(attempt({ from: day, to: day })).toEqual(['INVALID_WINDOW', 'from < to']);
    expect(attempt({ from: day })).toEqual(['INVALID_WINDOW', '{ from, to }']);
    expect(attempt({})).toEqual(['INVALID_WINDOW', '{ from, to } or { relative }']);
    expect(attempt({ relative: 'LAST_7_DAYS', timezone: 'Nowhere/Town' })).toEqual([
      'INVALID_WINDOW',
      'IANA time zone, e.g. "Europe/Berlin"',
    ]);
  });
});

describe('window limits', () => {
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      const { code, message, details } = error as HarmonyError;
      return { code, message, details };
    }
    return null;
  };

  test(`an absolute window spans at most ${MAX_WINDOW_YEARS} years, refused before any bucket is built`, () => {
    const result = refusal(() =>
      resolveWindow(
        { from: new Date('0001-01-01T00:00:00Z'), to: new Date('9999-01-01T00:00:00Z') },
        NOW,
      ),
    );
    expect(result).toEqual({
      code: 'INVALID_WINDOW',
      message:
        'window: expected at most 20 years, got 9998 years (0001-01-01T00:00:00.000Z to 9999-01-01T00:00:00.000Z); ask for a shorter window',
      details: { field: 'window', expected: 'at most 20 years', maxYears: 20 },
    });
    const twenty = resolveWindow(
      { from: new Date('2005-01-01T00:00:00Z'), to: new Date('2025-01-01T00:00:00Z') },
      NOW,
    );
    expect(bucketsOf(twenty, 'MONTH')).toHaveLength(240);
  });

  test('comparison windows keep the span, so they stay within the limit', () => {
    const twenty = resolveWindow(
      { from: new Date('2005-01-01T00:00:00Z'), to: new Date('2025-01-01T00:00:00Z') },
      NOW,
    );
    for (const compare of ['PREVIOUS_PERIOD', 'SAME_PERIOD_LAST_YEAR'] as const) {
      const earlier = comparisonWindow(twenty, compare);
      expect(earlier.to.diff(earlier.from, 'years').years).toBeLessThanOrEqual(MAX_WINDOW_YEARS);
    }
  });

  test.each(['UTC+3', 'system', 'local', 'Nowhere/Town', 'utc-05:00'])(
    'the time zone %s is refused, naming it',
    (timezone) => {
      expect(refusal(() => resolveWindow({ relative: 'LAST_7_DAYS', timezone }, NOW))).toEqual({
        code: 'INVALID_WINDOW',
        message: `window.timezone: expected an IANA time zone name known to PostgreSQL, e.g. "Europe/Berlin" or "UTC", got "${timezone}"`,
        details: {
          field: 'window.timezone',
          expected: 'IANA time zone, e.g. "Europe/Berlin"',
          got: timezone,
        },
      });
    },
  );

  test('a derived input offset moves a window by at most 20 years', () => {
    expect(parseOffset('-1 year')).toEqual({ years: -1 });
    expect(parseOffset('-240 months')).toEqual({ months: -240 });
    expect(offsetWithinLimit('-20 years')).toBe(true);
    expect(offsetWithinLimit('-21 years')).toBe(false);
    expect(offsetWithinLimit('-9999999 days')).toBe(false);
    expect(refusal(() => parseOffset('-100000 years'))).toEqual({
      code: 'INVALID_WINDOW',
      message: 'offset: expected e.g. "-1 month", at most 20 years, got "-100000 years"',
      details: { field: 'offset', maxYears: 20 },
    });
  });

  test('with the known zones given, only those are accepted', () => {
    const known = new Set(['UTC', 'Europe/Berlin']);
    expect(
      resolveWindow({ relative: 'LAST_7_DAYS', timezone: 'Europe/Berlin' }, NOW, known).timezone,
    ).toBe('Europe/Berlin');
    expect(
      refusal(() => resolveWindow({ relative: 'LAST_7_DAYS', timezone: 'Asia/Tokyo' }, NOW, known))
        ?.code,
    ).toBe('INVALID_WINDOW');
  });
});

describe('bucketsOf', () => {
  const window = (from: string, to: string, timezone = 'UTC') =>
    resolveWindow({ from: new Date(from), to: new Date(to), timezone }, NOW);

  test('days across the spring DST change in Berlin: the 30th of March has 23 hours', () => {
    const buckets = bucketsOf(
      window('2025-03-28T23:00:00Z', '2025-04-01T22:00:00Z', 'Europe/Berlin'),
      'DAY',
    );
    expect(buckets.map((b) => [iso(b.start), b.end.diff(b.start, 'hours').hours])).toEqual([
      ['2025-03-28T23:00:00.000Z', 24],
      ['2025-03-29T23:00:00.000Z', 23],
      ['2025-03-30T22:00:00.000Z', 24],
      ['2025-03-31T22:00:00.000Z', 24],
    ]);
  });

  test('the autumn change gives a 25-hour day in New York', () => {
    const buckets = bucketsOf(
      window('2025-11-02T04:00:00Z', '2025-11-03T05:00:00Z', 'America/New_York'),
      'DAY',
    );
    expect(buckets.map((b) => b.end.diff(b.start, 'hours').hours)).toEqual([25]);
  });

  test('weeks start on Monday; an unaligned window gets partial first and last buckets', () => {
    const buckets = bucketsOf(window('2025-06-04T00:00:00Z', '2025-06-20T12:00:00Z'), 'WEEK');
    expect(buckets.map((b) => [iso(b.start), iso(b.end)])).toEqual([
      ['2025-06-04T00:00:00.000Z', '2025-06-09T00:00:00.000Z'],
      ['2025-06-09T00:00:00.000Z', '2025-06-16T00:00:00.000Z'],
      ['2025-06-16T00:00:00.000Z', '2025-06-20T12:00:00.000Z'],
    ]);
  });

  test('months, quarters and years in a zone', () => {
    const w = window('2024-11-30T23:00:00Z', '2025-07-31T22:00:00Z', 'Europe/Berlin');
    expect(bucketsOf(w, 'MONTH').map((b) => iso(b.start))).toEqual([
      '2024-11-30T23:00:00.000Z',
      '2024-12-31T23:00:00.000Z',
      '2025-01-31T23:00:00.000Z',
      '2025-02-28T23:00:00.000Z',
      '2025-03-31T22:00:00.000Z',
      '2025-04-30T22:00:00.000Z',
      '2025-05-31T22:00:00.000Z',
      '2025-06-30T22:00:00.000Z',
    ]);
    expect(bucketsOf(w, 'QUARTER').map((b) => iso(b.start))).toEqual([
      '2024-11-30T23:00:00.000Z',
      '2024-12-31T23:00:00.000Z',
      '2025-03-31T22:00:00.000Z',
      '2025-06-30T22:00:00.000Z',
    ]);
    expect(bucketsOf(w, 'YEAR')).toHaveLength(2);
    expect(bucketsOf(w, null)).toHaveLength(1);
  });

  test('too many buckets is an error suggesting a coarser grain', () => {
    expect(() => bucketsOf(window('2010-01-01T00:00:00Z', '2025-01-01T00:00:00Z'), 'DAY')).toThrow(
      'window: expected at most 1500 DAY buckets, got 5479; use a coarser grain or a shorter window',
    );
  });

  test('the bucket count is checked before any bucket is built', () => {
    const long = window('2010-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
    const plus = jest.spyOn(DateTime.prototype, 'plus');
    try {
      expect(() => bucketsOf(long, 'DAY')).toThrow(HarmonyError);
      // Luxon's diff uses a few; building the first 1,500 days would take thousands.
      expect(plus.mock.calls.length).toBeLessThan(100);
    } finally {
      plus.mockRestore();
    }
  });
});

describe('comparisonWindow', () => {
  const window = (from: string, to: string) =>
    resolveWindow({ from: new Date(from), to: new Date(to) }, NOW);

  test('previous period of whole months is the months before (March has 31 days, February 28)', () => {
    expect(
      bounds(
        comparisonWindow(window('2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z'), 'PREVIOUS_PERIOD'),
      ),
    ).toEqual(['2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
  });

  test('previous period of whole days, and of arbitrary instants', () => {
    expect(
      bounds(
        comparisonWindow(window('2025-03-10T00:00:00Z', '2025-03-17T00:00:00Z'), 'PREVIOUS_PERIOD'),
      ),
    ).toEqual(['2025-03-03T00:00:00.000Z', '2025-03-10T00:00:00.000Z']);
    expect(
      bounds(
        comparisonWindow(window('2025-03-10T06:00:00Z', '2025-03-10T18:00:00Z'), 'PREVIOUS_PERIOD'),
      ),
    ).toEqual(['2025-03-09T18:00:00.000Z', '2025-03-10T06:00:00.000Z']);
  });

  test('same period last year', () => {
    expect(
      bounds(
        comparisonWindow(
          window('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
          'SAME_PERIOD_LAST_YEAR',
        ),
      ),
    ).toEqual(['2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
  });
});

test('alignedToUtcDays tells rollup-answerable boundaries from zone-shifted ones', () => {
  expect(alignedToUtcDays([DateTime.fromISO('2025-06-01T00:00:00Z', { zone: 'UTC' })])).toBe(true);
  expect(
    alignedToUtcDays([DateTime.fromISO('2025-06-01T00:00:00', { zone: 'Europe/Berlin' })]),
  ).toBe(false);
});
