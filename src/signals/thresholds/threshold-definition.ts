import { z } from 'zod';
import { RELATIVE_WINDOWS } from '../../metrics/windows';

/**
 * A threshold with hysteresis, as written in `schema/thresholds/*.yml` or given to
 * `defineThreshold`. ABOVE: an account enters when its value is >= `enter` and leaves when it
 * falls below `exit`. BELOW: it enters at <= `enter` and leaves at >= `exit`. A value between
 * the two levels keeps the previous state, so a value hovering at a line never flaps.
 */
export const thresholdDefinitionSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]{0,62}$/,
        'expected snake_case: a-z, 0-9 and _, starting with a letter',
      ),
    label: z.string().min(1),
    description: z.string().min(1),
    /** A metric of the catalog, evaluated per account over `window`. */
    metric: z.string().optional(),
    /** Or a declared score (schema/scores/): `pql`. */
    score: z.enum(['pql']).optional(),
    window: z.enum(RELATIVE_WINDOWS).default('LAST_30_DAYS'),
    direction: z.enum(['ABOVE', 'BELOW']),
    enter: z.number().finite(),
    exit: z.number().finite(),
    /** Which accounts it watches: all (not test, not deleted) or only those paying now. */
    accounts: z.enum(['all', 'paying']).default('all'),
  })
  .superRefine((d, context) => {
    if ((d.metric === undefined) === (d.score === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['metric'],
        message: 'expected exactly one of metric or score',
      });
    }
    if (d.direction === 'ABOVE' && d.exit > d.enter) {
      context.addIssue({
        code: 'custom',
        path: ['exit'],
        message: `ABOVE enters at >= enter and leaves below exit: expected exit <= enter (${d.enter}), got ${d.exit}`,
      });
    }
    if (d.direction === 'BELOW' && d.exit < d.enter) {
      context.addIssue({
        code: 'custom',
        path: ['exit'],
        message: `BELOW enters at <= enter and leaves at >= exit: expected exit >= enter (${d.enter}), got ${d.exit}`,
      });
    }
  });

export type ThresholdDefinitionInput = z.input<typeof thresholdDefinitionSchema>;
export type ThresholdDefinition = z.output<typeof thresholdDefinitionSchema>;

/** What the value being watched is called in messages and crossings. */
export function watchedValueOf(definition: ThresholdDefinition): string {
  return definition.metric ?? `${definition.score} score`;
}
