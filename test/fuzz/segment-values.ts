import fc from 'fast-check';
import {
  hostileString,
  longString,
  numericId,
  plainText,
  wrongTypeValue,
} from './text-arbitraries';

/** Values for the fields of generated Segment messages, from the ordinary to the hostile. */

export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;

/** Users and accounts come from small pools, so messages meet the same entities again. */
export const userIdValue = fc.integer({ min: 0, max: 40 }).map((n) => `user-${n}`);
export const anonymousIdValue = fc.integer({ min: 0, max: 40 }).map((n) => `anon-${n}`);
export const accountIdValue = fc.integer({ min: 0, max: 15 }).map((n) => `acct-${n}`);
export const eventNameValue = fc.constantFrom(
  'Signed In',
  'Report Submitted',
  'Song Played',
  'Account Created',
  'Feature Used',
  'Invite Sent',
);

/** Mostly fresh ids; some from a small pool, so retries (duplicates) happen across requests. */
export const messageIdValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => `dup-${n}`) },
);

export const hostileIdValue: fc.Arbitrary<unknown> = fc.oneof(
  userIdValue,
  userIdValue.map((id) => `  ${id}\t`),
  numericId,
  longString,
  hostileString,
  wrongTypeValue,
  fc.constantFrom('', '   '),
);

export const hostileMessageIdValue: fc.Arbitrary<unknown> = fc.oneof(
  messageIdValue,
  fc.integer({ min: 0, max: 30 }).map((n) => `dup-${n}`),
  numericId,
  fc.constantFrom('', 'x'.repeat(99), 'x'.repeat(100), ' spaced id '),
  hostileString,
  wrongTypeValue,
);

export const hostileTypeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...MESSAGE_TYPES),
  fc.constantFrom('TRACK', 'Identify', ' track', 'batch', 'unknown', 'event', ''),
  hostileString,
  wrongTypeValue,
);

/** Timestamps of every shape: canonical, lenient (as Segment's docs write them), absurd, wrong. */
export const timestampValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .date({
        min: new Date('1970-01-01'),
        max: new Date('9999-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        year: fc.integer({ min: 1969, max: 2100 }),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 24 }),
        separator: fc.constantFrom('T', ' ', 't'),
        fraction: fc.constantFrom('', '.5', '.276', ',123', '.123456789'),
        zone: fc.constantFrom('', 'Z', 'z', '+05:30', '-0800', '+05', '+14:00', '-12:00', '+99:99'),
      })
      .map(
        (t) =>
          `${t.year}-${t.month}-${String(t.day).padStart(2, '0')}${t.separator}${t.hour}:30:08${t.fraction}${t.zone}`,
      ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999-14:00',
      '+275760-09-13T00:00:00.000Z',
      '-000001-01-01T00:00:00Z',
      '10000-01-01T00:00:00Z',
      '2015-02-29T00:00:00Z',
      '2016-02-29T00:00:00Z',
      '2015-2-02T00:30:08.276Z',
      '2015-12-10 04:08:31',
      '2015-12-10',
      '1449720511905',
      'yesterday',
      '',
      '   ',
      'NaN',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(hostileString, numericId, wrongTypeValue) },
);

// ---------------------------------------------------------------------------------------------
// JSON objects (properties, traits, context)

export const PROPERTY_KEYS = [
  'name',
  'url',
  'plan',
  'seats',
  'groupId',
  'revenue',
  'tags',
  'a',
] as const;
export const plainKey = fc.oneof(fc.constantFrom(...PROPERTY_KEYS), plainText);

/** JSON that PostgreSQL stores as sent: no NUL, no lone surrogates, shallow. */
export const plainJsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plainText,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(plainKey, tie('value')), { maxLength: 3 }).map(objectOf),
  ),
})).value;

export const plainObject: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(plainKey, plainJsonValue), { maxLength: 5 })
  .map(objectOf);

/** Own properties even for keys such as `__proto__` (Object.fromEntries defines, never sets). */
export function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries);
}

/**
 * Nesting deep enough to trouble a recursive parser or serialiser (V8's JSON.stringify gives up
 * near 8,000 levels), up to the 32 KB message limit and past it. A marker string stands for it
 * in the generated value (the fuzzer's own JSON.stringify could not hold it either);
 * `expandDeepValues` writes it out in the request text.
 */
export const deepValue: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(20, 100, 1000, 5000, 10000, 15000), fc.constantFrom('arrays', 'objects'))
  .map(([depth, kind]) => `⟦deep ${depth} ${kind}⟧`);

/** Replaces each deep-nesting marker (a JSON string in `text`) with the nesting it stands for. */
export function expandDeepValues(text: string): string {
  return text.replace(/"⟦deep (\d+) (arrays|objects)⟧"/g, (_, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'arrays'
      ? `${'['.repeat(n)}"bottom"${']'.repeat(n)}`
      : `${'{"d":'.repeat(n)}"bottom"${'}'.repeat(n)}`;
  });
}

/** Strings around and over the 32 KB message limit. */
export const oversizeValue: fc.Arbitrary<string> = fc
  .constantFrom(31_000, 32_600, 33_000, 100_000)
  .map((n) => 'p'.repeat(n));

export const hostileKey = fc.oneof(
  plainKey,
  hostileString,
  fc.constantFrom('__proto__', '', 'a.b', '$'),
);

export const hostileJsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plainText,
    hostileString,
    longString,
    fc.double(),
    fc.constantFrom(-0, 2 ** 53 + 1, 1e308, -1e-308),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 3 }).map(objectOf),
  ),
})).value;

export const hostileObject: fc.Arbitrary<Record<string, unknown>> = fc
  .oneof(
    { weight: 4, arbitrary: fc.array(fc.tuple(hostileKey, hostileJsonValue), { maxLength: 4 }) },
    { weight: 1, arbitrary: deepValue.map((value) => [['deep', value]] as [string, unknown][]) },
    {
      weight: 1,
      arbitrary: oversizeValue.map((value) => [['padding', value]] as [string, unknown][]),
    },
  )
  .map(objectOf);

/** A hostile value for an object field: an object, or a value of the wrong type. */
export const hostileObjectField: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileObject },
  { weight: 1, arbitrary: fc.oneof(wrongTypeValue, hostileString) },
);

/** Context as clients send it: library, page, and often the account as `groupId`. */
export const plainContext: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      groupId: accountIdValue,
      page: fc.record({ url: fc.webUrl(), path: fc.webPath(), title: plainText }),
      library: fc.constant({ name: 'analytics-node', version: '3.1.0' }),
      ip: fc.ipV4(),
      locale: fc.constantFrom('en-US', 'de-DE'),
    },
    { requiredKeys: [] },
  )
  .map((context) => ({ ...context }));

export const hostileContext: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileObjectField },
  {
    weight: 2,
    arbitrary: hostileIdValue.map((groupId) => ({ groupId })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(2704, 2705, 3000, 8000).map((n) => ({ groupId: 'g'.repeat(n) })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(hostileString, wrongTypeValue).map((url) => ({ page: { url } })),
  },
);
