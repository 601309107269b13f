import { HOSTILE_STRINGS } from './text-arbitraries';

/**
 * Argument values for generated GraphQL documents: for each argument name, values a real client
 * sends (ids and names that exist, taken from the server at the start) mixed with wrong ones.
 */

/** Ids, keys and names that exist on the server, so documents reach past "not found". */
export type ServerPools = {
  accountIds: string[];
  accountExternalIds: string[];
  userIds: string[];
  userExternalIds: string[];
  cursors: string[];
  metricNames: string[];
  dimensions: string[];
  eventKeys: string[];
  eventDefinitionIds: string[];
  planCodes: string[];
};

/** An enum value: a bare name in a literal, a string in variables. */
export class EnumValue {
  constructor(readonly name: string) {}
}

const BIG_IDS = [
  '0',
  '-1',
  '1e3',
  ' 1',
  '9223372036854775807',
  '9223372036854775808',
  '99999999999999999999999',
];
const GARBAGE_CURSORS = [
  '',
  'abc',
  'bnVsbA==',
  'OTk5OTk5OTk5OTk5OTk5OTk5OTk5',
  'eyJpZCI6LTF9',
  '%%%',
  '\u0000',
];

export const DATE_TIMES = [
  '2026-01-01T00:00:00Z',
  '2025-06-15T12:00:00.000Z',
  '2024-02-29T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '1900-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01',
  '2026-01-01T00:00:00+05:30',
  'yesterday',
  '',
];

export const TIME_ZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Asia/Kathmandu',
  'Etc/GMT+3',
  'UTC+3',
  'GMT-5',
  'system',
  'local',
  'Mars/Olympus',
  'europe/paris',
  '',
  '+03:00',
  'EST5EDT',
];

const FIRSTS = [0, 1, 2, 5, 25, 100, 101, 1000, 1_000_000, 2_147_483_647, -1];
const INTS = [0, 1, -1, 42, 2_147_483_647, 2_147_483_648, -2_147_483_649, 1e21];
const FLOATS = [0, -0.5, 49.5, 1e308, -1e308, 1e-320, 12345678.9];

/** Candidate values for a string-like argument, by its name. */
export function stringCandidates(argumentName: string, pools: ServerPools): string[] {
  const hostile = [...HOSTILE_STRINGS.slice(0, 12), 'x'.repeat(300)];
  switch (argumentName) {
    case 'id':
    case 'definitionId':
      return [
        ...pools.accountIds,
        ...pools.userIds,
        ...pools.eventDefinitionIds,
        ...BIG_IDS,
        'abc',
      ];
    case 'externalId':
    case 'accountExternalId':
    case 'userExternalId':
      return [...pools.accountExternalIds, ...pools.userExternalIds, ...hostile];
    case 'after':
      return [...pools.cursors, ...GARBAGE_CURSORS];
    case 'name':
    case 'names':
      return [...pools.metricNames, 'no_such_metric', ...hostile];
    case 'groupBy':
    case 'dimension':
      return [...pools.dimensions, 'no_such_dimension', 'plan; DROP TABLE accounts', ''];
    case 'key':
    case 'definitions':
      return [...pools.eventKeys, ...hostile];
    case 'timezone':
      return TIME_ZONES;
    case 'planCode':
    case 'code':
      return [...pools.planCodes, 'no-such-plan', ''];
    case 'status':
      return ['ACTIVE', 'TRIALING', 'CANCELED', 'active', 'NOPE'];
    case 'role':
      return ['ADMINISTRATOR', 'MEMBER', 'BILLING', 'GUEST', 'admin', 'OWNER'];
    case 'currency':
      return ['USD', 'EUR', 'usd', 'XXX', '€', ''];
    case 'yaml':
      return ['name: x', ': :', 'name: !!js/function "x"', '{'.repeat(200), 'a: &a [*a]'];
    case 'email':
      return ['a@b.test', 'not-an-email', ...hostile];
    default:
      return ['Acme', 'growth', ...hostile];
  }
}

/** Candidate values for a scalar argument of the given GraphQL scalar type and name. */
export function scalarCandidates(
  scalar: string,
  argumentName: string,
  pools: ServerPools,
): unknown[] {
  switch (scalar) {
    case 'Int':
      return argumentName === 'first' ? FIRSTS : INTS;
    case 'Float':
      return FLOATS;
    case 'Boolean':
      return [true, false];
    case 'DateTime':
      return DATE_TIMES;
    case 'JSON':
      return [
        {},
        { plan: 'growth', seats: 5 },
        { nested: { deeper: [1, 2, { a: null }] } },
        { text: 'a\u0000b' },
        [1, 2],
        'just a string',
      ];
    default:
      return stringCandidates(argumentName, pools);
  }
}

/** Values of the wrong type for whatever argument they land in. */
export const WRONG_VALUES: unknown[] = [
  123,
  'a string',
  true,
  null,
  [1, 2],
  { a: 1 },
  new EnumValue('NOT_AN_ENUM'),
  1.5,
  99_999_999_999,
];

/** A value as a GraphQL literal. */
export function literalOf(value: unknown): string {
  if (value instanceof EnumValue) return value.name;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(literalOf).join(', ')}]`;
  const fields = Object.entries(value as Record<string, unknown>).map(
    ([key, field]) => `${key}: ${literalOf(field)}`,
  );
  return `{${fields.join(', ')}}`;
}

/** A value as JSON for the `variables` object (enum values become their names). */
export function variableValueOf(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, v) => (v instanceof EnumValue ? v.name : v)) ?? 'null',
  );
}
