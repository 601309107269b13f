import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RELATIVE_WINDOWS } from '../../metrics/windows';

/** Built-in usage signals that no catalog metric answers per account (pql-signals.sql.ts). */
export const BUILTIN_SIGNALS = ['admin_active_users', 'seat_utilisation'] as const;
export type BuiltinSignal = (typeof BUILTIN_SIGNALS)[number];

const signalSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected snake_case'),
  label: z.string().min(1),
  /** Where the value comes from: a catalog metric, an event count, or a built-in signal. */
  source: z.union([
    z.strictObject({ metric: z.string().min(1) }),
    z.strictObject({ event: z.string().min(1) }),
    z.strictObject({ builtin: z.enum(BUILTIN_SIGNALS) }),
  ]),
  /** Points the signal earns at `full_at` or more; the weights of a score add up to 100. */
  weight: z.number().positive(),
  /** The value that earns the whole weight: points = weight x min(value / full_at, 1). */
  full_at: z.number().positive(),
});

/**
 * A 0-100 score per account from weighted usage signals, declared in `schema/scores/*.yml`.
 * Each signal is normalised (value / full_at) and capped at 1, so no single signal can earn more
 * than its weight, and the weights add up to 100.
 */
export const scoreDefinitionSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected snake_case'),
    label: z.string().min(1),
    description: z.string().min(1),
    window: z.enum(RELATIVE_WINDOWS).default('LAST_30_DAYS'),
    signals: z.array(signalSchema).min(1).max(20),
  })
  .superRefine((score, context) => {
    const total = score.signals.reduce((sum, s) => sum + s.weight, 0);
    if (Math.abs(total - 100) > 1e-9) {
      context.addIssue({
        code: 'custom',
        path: ['signals'],
        message: `expected weights adding up to 100, got ${total}`,
      });
    }
    const names = score.signals.map((s) => s.name);
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated) {
      context.addIssue({
        code: 'custom',
        path: ['signals'],
        message: `signal "${repeated}" is declared twice`,
      });
    }
  });

export type ScoreDefinition = z.output<typeof scoreDefinitionSchema>;
export type ScoreSignal = ScoreDefinition['signals'][number];

/** `schema/scores/` at the repository root (also from dist/). */
export const SCORES_DIR = [
  path.resolve(__dirname, '..', '..', '..', 'schema', 'scores'),
  path.resolve(__dirname, '..', '..', '..', '..', 'schema', 'scores'),
].find((candidate) => fs.existsSync(candidate))!;

/** Reads and validates one score file; errors name the file and the field. */
export function loadScoreDefinition(name: string, directory: string = SCORES_DIR): ScoreDefinition {
  const file = path.join(directory, `${name}.yml`);
  const result = scoreDefinitionSchema.safeParse(parseYaml(fs.readFileSync(file, 'utf8')));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(
    `schema/scores/${name}.yml, field "${issue.path.join('.') || '-'}": ${issue.message}`,
  );
}
