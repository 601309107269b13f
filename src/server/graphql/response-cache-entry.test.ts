import { decodeEntry, encodeEntry, isServable, renderEntry } from './response-cache-entry';

/** The stored form of a response: ages rewritten per serve from stored bytes, validity rules. */
const COMPUTED = Date.parse('2025-06-01T10:00:00Z');
const GENERATIONS = { subscriptions: '7', accounts: '3', events: '40' };
const DATA = {
  a: { total: 5, f: { tier: 'HOURLY', age: 0, hit: false, source: 'DATABASE' } },
  list: [
    { freshness: { ageSeconds: 2, cacheHit: false } },
    { freshness: { ageSeconds: 9, cacheHit: false } },
  ],
};
const FRESHNESS = [
  {
    path: ['a', 'f'],
    keys: { ageSeconds: 'age', cacheHit: 'hit', source: 'source' },
    computedAt: COMPUTED,
  },
  {
    path: ['list', 0, 'freshness'],
    keys: { ageSeconds: 'ageSeconds', cacheHit: 'cacheHit' },
    computedAt: COMPUTED - 2000,
  },
  {
    path: ['list', 1, 'freshness'],
    keys: { ageSeconds: 'ageSeconds', cacheHit: 'cacheHit' },
    computedAt: COMPUTED - 9000,
  },
];

test('a served entry says cacheHit, CACHE and each answer its own age now', () => {
  const stored = encodeEntry(DATA, FRESHNESS, {
    tier: 'HOURLY',
    oldest: COMPUTED - 9000,
    generations: GENERATIONS,
  })!;
  const entry = decodeEntry(stored)!;
  const served = JSON.parse(renderEntry(entry, COMPUTED + 61_500));
  expect(served).toEqual({
    data: {
      a: { total: 5, f: { tier: 'HOURLY', age: 61, hit: true, source: 'CACHE' } },
      list: [
        { freshness: { ageSeconds: 63, cacheHit: true } },
        { freshness: { ageSeconds: 70, cacheHit: true } },
      ],
    },
  });
  // The response being sent is not touched.
  expect(DATA.a.f).toEqual({ tier: 'HOURLY', age: 0, hit: false, source: 'DATABASE' });
});

test('served only while younger than its tier, before `until`, with its generations', () => {
  const meta = (extra: object = {}) =>
    decodeEntry(
      encodeEntry(DATA, FRESHNESS, {
        tier: 'HOURLY',
        oldest: COMPUTED,
        generations: GENERATIONS,
        ...extra,
      })!,
    )!.meta;
  const current = ['7', '3', '40'];
  expect(isServable(meta(), current, COMPUTED + 3_599_999)).toBe(true);
  expect(isServable(meta(), current, COMPUTED + 3_600_000)).toBe(false);
  // An entity write moves a generation; events do not matter to HOURLY.
  expect(isServable(meta(), ['8', '3', '40'], COMPUTED + 1000)).toBe(false);
  expect(isServable(meta(), ['7', '4', '40'], COMPUTED + 1000)).toBe(false);
  expect(isServable(meta(), ['7', '3', '41'], COMPUTED + 1000)).toBe(true);
  expect(isServable(meta({ tier: 'REALTIME' }), ['7', '3', '41'], COMPUTED + 1000)).toBe(false);
  expect(isServable(meta({ tier: 'REALTIME' }), current, COMPUTED + 4999)).toBe(true);
  expect(isServable(meta({ tier: 'REALTIME' }), current, COMPUTED + 5000)).toBe(false);
  // A counter missing from the store (null) is never the recorded one.
  expect(isServable(meta(), ['7', null, '40'], COMPUTED + 1000)).toBe(false);
  const until = COMPUTED + 60_000;
  expect(isServable(meta({ until }), current, until - 1)).toBe(true);
  expect(isServable(meta({ until }), current, until)).toBe(false);
});

test('a data string that looks like an age placeholder makes the response unstorable', () => {
  const tricky = { ...DATA, label: '\u00010' };
  expect(
    encodeEntry(tricky, FRESHNESS, { tier: 'HOURLY', oldest: COMPUTED, generations: {} }),
  ).toBeNull();
});

test('anything but an entry of this format decodes to nothing (a miss), never throws', () => {
  for (const value of [
    '{"data":{}}',
    'not json\n{}',
    'null\n{}',
    '{"ages":[]}\n{}',
    '{"generations":{},"ages":[1]}\n{}',
  ])
    expect(decodeEntry(value)).toBeNull();
});
