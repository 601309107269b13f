import { z } from 'zod';
import { MAX_WINDOW_YEARS, offsetWithinLimit } from './windows';

/**
 * The shape of one declared metric, as written in `schema/metrics/*.yml` or given to
 * `defineMetric`. Objects are strict: an unknown field is an error, never silently ignored.
 */

export const DIMENSIONS = ['plan', 'industry', 'employee_count_band', 'account'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const TIERS = ['REALTIME', 'NEAR_REALTIME', 'HOURLY', 'DAILY'] as const;
export type FreshnessTier = (typeof TIERS)[number];

export const UNITS = ['currency', 'count', 'ratio', 'percent', 'number'] as const;

/** What the engine needs to know about a revenue measure besides how to compile it. */
export type RevenueMeasureTraits = {
  /** A state at an instant (a window's total is its last bucket), not a flow over the bucket. */
  snapshot: boolean;
  /** Can be grouped or filtered by the account's plan (per-account movements cannot). */
  byPlan: boolean;
};

/**
 * Every revenue measure, all derived from subscription_history (see docs/metrics.md). The one
 * list: the schema's enum comes from its keys, and the compiler keeps a `Record<RevenueMeasure,
 * …>` of its own, so TypeScript refuses a measure that is declared here but not compiled.
 */
export const REVENUE_MEASURE_TRAITS = {
  mrr: { snapshot: true, byPlan: true },
  arr: { snapshot: true, byPlan: true },
  paying_accounts: { snapshot: true, byPlan: true },
  arpa: { snapshot: true, byPlan: true },
  paid_account_ratio: { snapshot: true, byPlan: false },
  new: { snapshot: false, byPlan: false },
  expansion: { snapshot: false, byPlan: false },
  contraction: { snapshot: false, byPlan: false },
  churn: { snapshot: false, byPlan: false },
  reactivation: { snapshot: false, byPlan: false },
  net_new: { snapshot: false, byPlan: false },
  nrr: { snapshot: false, byPlan: false },
  grr: { snapshot: false, byPlan: false },
  logo_churn_rate: { snapshot: false, byPlan: false },
  revenue: { snapshot: false, byPlan: false },
  lifetime_revenue: { snapshot: true, byPlan: false },
} as const satisfies Record<string, RevenueMeasureTraits>;
export type RevenueMeasure = keyof typeof REVENUE_MEASURE_TRAITS;
export const REVENUE_MEASURES = Object.keys(REVENUE_MEASURE_TRAITS) as [
  RevenueMeasure,
  ...RevenueMeasure[],
];

/** Usage measures, read from the activity rollups (raw events only for non-UTC day boundaries). */
export const USAGE_MEASURES = [
  'active_users',
  'active_accounts',
  'stickiness',
  'admin_daily_active_account_ratio',
  'activation_rate',
  'pql_accounts',
] as const;
export type UsageMeasure = (typeof USAGE_MEASURES)[number];

const metricName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected snake_case: a-z, 0-9 and _, starting with a letter');

/** An event named by key in YAML; syncing resolves it to the stable definition id. */
const eventReference = z.union([
  z.string().min(1),
  z.strictObject({ id: z.string().regex(/^\d+$/), key: z.string().optional() }),
]);

const propertyFilter = z.strictObject({
  property: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'expected a property name'),
  equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  in: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .optional(),
});

const common = {
  name: metricName,
  label: z.string().min(1),
  description: z.string().min(1),
  owner: z.string().min(1),
  unit: z.enum(UNITS),
  tier: z.enum(TIERS).default('HOURLY'),
  dimensions: z.array(z.enum(DIMENSIONS)).default([]),
  /**
   * How plan targets (entered per month or quarter) map to a bucket of this metric: `sum`
   * (flows), `last` (stocks: the target of the bucket's last month), `exact` (rates and
   * distinct counts: only a target whose period is the bucket). Default: from the type.
   */
  target_rollup: z.enum(['sum', 'last', 'exact']).optional(),
};

const countMetric = z.strictObject({
  ...common,
  type: z.literal('count'),
  event: eventReference,
  where: z.array(propertyFilter).default([]),
});

const countDistinctMetric = z.strictObject({
  ...common,
  type: z.literal('count_distinct'),
  event: eventReference,
  of: z.enum(['user', 'account']),
  where: z.array(propertyFilter).default([]),
});

/** `sum`/`avg` of a numeric event property, or of an account column at the bucket's end. */
const aggregateMetric = z.strictObject({
  ...common,
  type: z.enum(['sum', 'avg']),
  event: eventReference.optional(),
  property: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/)
    .optional(),
  column: z.enum(['employee_count']).optional(),
  where: z.array(propertyFilter).default([]),
});

const ratioMetric = z.strictObject({
  ...common,
  type: z.literal('ratio'),
  numerator: metricName,
  denominator: metricName,
});

const derivedInput = z.strictObject({
  metric: metricName,
  /** Shift of the input's window, e.g. `-1 month`, `-1 year`, `-7 days`. */
  offset: z
    .string()
    .regex(/^-?\d+ (day|week|month|quarter|year)s?$/, 'expected e.g. "-1 month"')
    .refine(offsetWithinLimit, `expected at most ${MAX_WINDOW_YEARS} years`)
    .optional(),
});

const derivedMetric = z.strictObject({
  ...common,
  type: z.literal('derived'),
  expression: z.string().min(1),
  inputs: z.record(metricName, derivedInput).default({}),
});

const cumulativeMetric = z.strictObject({
  ...common,
  type: z.literal('cumulative'),
  metric: metricName,
  /** Trailing window in days ending at each bucket's end; or a to-date period. */
  trailing_days: z.number().int().min(1).max(366).optional(),
  to_date: z.enum(['month', 'quarter', 'year']).optional(),
});

const revenueMetric = z.strictObject({
  ...common,
  type: z.literal('revenue'),
  measure: z.enum(REVENUE_MEASURES),
});

const usageMetric = z.strictObject({
  ...common,
  type: z.literal('usage'),
  measure: z.enum(USAGE_MEASURES),
  /** pql_accounts: distinct active users an unpaid account needs in the bucket. */
  min_active_users: z.number().int().min(1).optional(),
});

/**
 * Monthly figures imported with the plan (`kind: actual` rows of `npm run targets:import`):
 * operating expenses, cash balance, any series a finance team keeps in its sheet. A bucket sums
 * the months starting in it (`sum`) or takes its latest month (`last`, for balances).
 */
const actualsMetric = z.strictObject({
  ...common,
  type: z.literal('actuals'),
  series: metricName,
  aggregate: z.enum(['sum', 'last']),
});

export const metricDefinitionSchema = z.discriminatedUnion('type', [
  countMetric,
  countDistinctMetric,
  aggregateMetric,
  ratioMetric,
  derivedMetric,
  cumulativeMetric,
  revenueMetric,
  usageMetric,
  actualsMetric,
]);

export type MetricDefinitionInput = z.input<typeof metricDefinitionSchema>;
export type MetricDefinition = z.output<typeof metricDefinitionSchema>;
export type EventReference = z.output<typeof eventReference>;
export type PropertyFilter = z.output<typeof propertyFilter>;
export type CountMetric = z.output<typeof countMetric>;
export type CountDistinctMetric = z.output<typeof countDistinctMetric>;
export type AggregateMetric = z.output<typeof aggregateMetric>;
export type RatioMetric = z.output<typeof ratioMetric>;
export type DerivedMetric = z.output<typeof derivedMetric>;
export type CumulativeMetric = z.output<typeof cumulativeMetric>;
export type RevenueMetric = z.output<typeof revenueMetric>;
export type UsageMetric = z.output<typeof usageMetric>;
export type ActualsMetric = z.output<typeof actualsMetric>;
export type TargetRollup = NonNullable<MetricDefinition['target_rollup']>;

/** A stored version: the definition plus its version number. */
export type VersionedDefinition = { version: number; definition: MetricDefinition };

/** Metrics a definition reads from, by name (ratio, derived, cumulative). */
export function referencedMetrics(definition: MetricDefinition, identifiers: string[] = []) {
  switch (definition.type) {
    case 'ratio':
      return [definition.numerator, definition.denominator];
    case 'cumulative':
      return [definition.metric];
    case 'derived':
      return [
        ...Object.values(definition.inputs).map((input) => input.metric),
        ...identifiers.filter((name) => !(name in definition.inputs)),
      ];
    default:
      return [];
  }
}

/** The event definition id of an event metric after syncing resolved it. */
export function eventIdOf(reference: EventReference): string {
  if (typeof reference === 'string') {
    throw new Error(`event "${reference}" was not resolved to a definition id`);
  }
  return reference.id;
}
