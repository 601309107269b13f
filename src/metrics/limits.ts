import { HarmonyError } from '../shared/errors';

/** Most points (buckets x groups) one answer may hold; beyond, filter or coarsen the grain. */
export const MAX_POINTS = 20_000;

/** The refusal when an answer would hold more than MAX_POINTS points. */
export function tooManyPoints(atLeast: number): HarmonyError {
  return new HarmonyError(
    'TOO_MANY_POINTS',
    `The answer would hold at least ${atLeast} points (groups x buckets; a cumulative metric counts the days its input is read by); expected at most ${MAX_POINTS}: filter, group by less, or use a coarser grain or a shorter window`,
    { field: 'groupBy', maxPoints: MAX_POINTS },
  );
}
