import fc from 'fast-check';

/**
 * Strings a hostile client sends: characters PostgreSQL refuses (NUL, lone UTF-16 surrogates),
 * quoting and escaping characters, invisible and direction-changing code points, and words
 * that mean something to JavaScript or SQL.
 */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '\ude00tail',
  '\ud83d\ude00',
  '"',
  "'",
  '\\',
  '\\u0000',
  '\\ud800',
  "'; DROP TABLE events; --",
  '$1',
  '${x}',
  '{}',
  '[]',
  '{"a":1}',
  '\n\r\t',
  '\u2028\u2029',
  '\ufeff',
  '\u202e',
  '\u0085',
  'İstanbul',
  'ß',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  'toString',
  ' padded ',
] as const;

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** Short strings of any code units. */
export const rawCodeUnitString = fc.string({ unit: anyCodeUnit, maxLength: 12 });

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: rawCodeUnitString },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
);

/** Lengths around the limits Harmony and PostgreSQL have (ids 255, event names 200, b-tree rows ~2700). */
const LIMIT_LENGTHS = [99, 100, 199, 200, 201, 255, 256, 1000, 2700, 2800, 9000] as const;

/** A long string, made of one repeated character (ASCII, multi-byte or astral). */
export const longString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...LIMIT_LENGTHS), fc.constantFrom('x', 'é', '😀', '"', '\\'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

/** Readable text without anything PostgreSQL refuses. */
export const plainText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
);

/** A value of a JSON type that is usually wrong for a field. */
export const wrongTypeValue: fc.Arbitrary<unknown> = fc.constantFrom(
  true,
  false,
  0,
  -1,
  1.5,
  {},
  [],
  ['a'],
  { a: 1 },
  null,
);

/** Numbers a client may send as an id: small, negative, fractional, beyond 2^53, huge. */
export const numericId: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 50 }),
  fc.constantFrom(-1, 0, 3.5, 2 ** 53 + 2, 1e21, 1e300, Number.MAX_VALUE, 5e-324),
);

/** Renders a JS string as a GraphQL (and JSON) string literal, escapes and all. */
export function stringLiteral(value: string): string {
  return JSON.stringify(value);
}
