import { z } from 'zod';
import { RELATIVE_WINDOWS, type RelativeWindow } from '../../metrics/windows';

/**
 * A segment: a named rule over an account's attributes, tenure, spend and activity, combined
 * with all/any/not (docs/signals.md, "Segments"). Parsed once at the edge (YAML or
 * defineSegment); evaluation (segment-rules.ts) is pure.
 */

const comparison = {
  equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  notEquals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  in: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .max(1000)
    .optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  exists: z.boolean().optional(),
};
const COMPARISON_KEYS = Object.keys(comparison) as Array<keyof typeof comparison>;

export type Comparison = {
  equals?: string | number | boolean;
  notEquals?: string | number | boolean;
  in?: Array<string | number>;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  exists?: boolean;
};

/** Account attributes a rule may read; `traits.<key>` reads a trait. */
export const ATTRIBUTES = [
  'industry',
  'employeeCount',
  'domain',
  'name',
  'isTest',
  'isDeleted',
  'plan',
] as const;
export type Attribute = (typeof ATTRIBUTES)[number] | `traits.${string}`;

/** Spend measures, in the major unit of the account's currency (seats: a count). */
export const SPEND_MEASURES = ['mrr', 'lifetimeRevenue', 'seats'] as const;
/** Tenure clocks, compared in days. */
export const TENURE_CLOCKS = ['created', 'firstPaid'] as const;

/** A trailing window: a relative window name or the last N UTC days (today included). */
export type RuleWindow = RelativeWindow | { lastDays: number };

export type Rule =
  | { all: Rule[] }
  | { any: Rule[] }
  | { not: Rule }
  | ({ attribute: Attribute } & Comparison)
  | ({ spend: (typeof SPEND_MEASURES)[number] } & Comparison)
  | ({ tenure: (typeof TENURE_CLOCKS)[number] } & Comparison)
  | { paying: boolean }
  | ({ metric: string; window: RuleWindow } & Comparison);

const windowSchema = z.union([
  z.enum(RELATIVE_WINDOWS as unknown as [RelativeWindow, ...RelativeWindow[]]),
  z.object({ lastDays: z.number().int().min(1).max(366) }).strict(),
]);

const attributeSchema = z
  .string()
  .refine(
    (value) =>
      (ATTRIBUTES as readonly string[]).includes(value) || /^traits\.[\w.-]{1,100}$/.test(value),
    { message: `expected one of ${ATTRIBUTES.join(', ')} or traits.<key>` },
  );

const leaf = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object({ ...shape, ...comparison })
    .strict()
    .refine((value) => COMPARISON_KEYS.some((key) => (value as any)[key] !== undefined), {
      message: `expected a comparison: one of ${COMPARISON_KEYS.join(', ')}`,
    });

const MAX_DEPTH = 8;
const ruleSchema: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ruleSchema).min(1).max(50) }).strict(),
    z.object({ any: z.array(ruleSchema).min(1).max(50) }).strict(),
    z.object({ not: ruleSchema }).strict(),
    z.object({ paying: z.boolean() }).strict(),
    leaf({ attribute: attributeSchema as z.ZodType<Attribute> }),
    leaf({ spend: z.enum(SPEND_MEASURES) }),
    leaf({ tenure: z.enum(TENURE_CLOCKS) }),
    leaf({ metric: z.string().min(1).max(100), window: windowSchema }),
  ]),
) as z.ZodType<Rule>;

export const segmentDefinitionSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected snake_case: a-z, 0-9 and _, at most 63'),
    label: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    owner: z.string().max(200).optional(),
    rule: ruleSchema,
  })
  .strict();

export type SegmentDefinition = z.infer<typeof segmentDefinitionSchema>;

export class SegmentDefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly segment: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: segment "${segment}", ${field}: ${message}`);
  }
}

/** Validates one definition object (a YAML entry or defineSegment's input). */
export function parseSegmentDefinition(raw: unknown, file: string, index = 0): SegmentDefinition {
  const result = segmentDefinitionSchema.safeParse(raw);
  const name =
    typeof (raw as { name?: unknown })?.name === 'string'
      ? (raw as { name: string }).name
      : `#${index + 1}`;
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SegmentDefinitionError(file, name, issue.path.join('.') || '-', issue.message);
  }
  if (depthOf(result.data.rule) > MAX_DEPTH) {
    throw new SegmentDefinitionError(file, name, 'rule', `nested more than ${MAX_DEPTH} levels`);
  }
  return result.data;
}

function depthOf(rule: Rule): number {
  if ('all' in rule) return 1 + Math.max(...rule.all.map(depthOf));
  if ('any' in rule) return 1 + Math.max(...rule.any.map(depthOf));
  if ('not' in rule) return 1 + depthOf(rule.not);
  return 1;
}

/** Every leaf of a rule, depth first. */
export function leavesOf(rule: Rule): Rule[] {
  if ('all' in rule) return rule.all.flatMap(leavesOf);
  if ('any' in rule) return rule.any.flatMap(leavesOf);
  if ('not' in rule) return leavesOf(rule.not);
  return [rule];
}

/** A key naming one (metric, window) pair, shared by every rule that reads it. */
export function metricKey(metric: string, window: RuleWindow): string {
  return `${metric}|${typeof window === 'string' ? window : `last_${window.lastDays}_days`}`;
}

/** True when a rule reads a clock or a trailing window: it must be re-evaluated daily. */
export function isTimeDriven(rule: Rule): boolean {
  return leavesOf(rule).some((leaf) => 'tenure' in leaf || 'metric' in leaf);
}
