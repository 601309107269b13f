import { HarmonyError } from '../shared/errors';
import type { MetricQuery } from './compile-request';
import type { DimensionFilter } from './compiler/request';
import { DIMENSIONS, type Dimension } from './definition';
import { GRAINS, resolveWindow, type Grain, type WindowRequest } from './windows';

/** A metric query as the API receives it, before validation. */
export type MetricQueryInput = {
  window: WindowRequest;
  grain?: string | null;
  groupBy?: string[] | null;
  filter?: {
    where?: Array<{
      dimension: string;
      equals?: string | null;
      in?: string[] | null;
      min?: number | null;
      max?: number | null;
    }> | null;
    includeTest?: boolean | null;
    includeDeleted?: boolean | null;
  } | null;
};

function notAllowed(field: string, got: string, allowed: readonly string[]): HarmonyError {
  return new HarmonyError(
    'DIMENSION_NOT_ALLOWED',
    `${field}: "${got}" is not a dimension of this metric; expected one of: ${allowed.join(', ') || '(none)'}`,
    { field, got, expected: [...allowed] },
  );
}

/**
 * Validates and normalises a query once, at the edge, against the metric's declared
 * dimensions: the compiler only ever sees checked dimension names.
 */
export function normaliseQuery(
  input: MetricQueryInput,
  allowedDimensions: readonly Dimension[],
  now: Date,
  knownZones?: ReadonlySet<string>,
): MetricQuery {
  const grain = input.grain ?? null;
  if (grain !== null && !GRAINS.includes(grain as Grain)) {
    throw new HarmonyError('INVALID_WINDOW', `grain: expected one of ${GRAINS.join(', ')}`, {
      field: 'grain',
      expected: [...GRAINS],
    });
  }
  const window = resolveWindow(input.window, now, knownZones, grain as Grain | null);
  const groupBy = (input.groupBy ?? []).map((dimension, index) => {
    if (!allowedDimensions.includes(dimension as Dimension)) {
      throw notAllowed(`groupBy[${index}]`, dimension, allowedDimensions);
    }
    return dimension as Dimension;
  });
  const filters = (input.filter?.where ?? []).map((filter, index) =>
    normaliseFilter(filter, index, allowedDimensions),
  );
  return {
    window,
    grain: grain as Grain | null,
    groupBy: [...new Set(groupBy)],
    filters,
    includeTest: input.filter?.includeTest ?? false,
    includeDeleted: input.filter?.includeDeleted ?? false,
    now,
  };
}

function normaliseFilter(
  filter: NonNullable<NonNullable<MetricQueryInput['filter']>['where']>[number],
  index: number,
  allowed: readonly Dimension[],
): DimensionFilter {
  const field = `filter.where[${index}]`;
  const ranged = filter.min != null || filter.max != null;
  const given = [filter.equals != null, filter.in != null, ranged].filter(Boolean).length;
  if (given !== 1) {
    throw new HarmonyError(
      'BAD_USER_INPUT',
      `${field}: expected exactly one of equals, in, or min/max`,
      {
        field,
      },
    );
  }
  if (filter.dimension === 'employee_count') {
    if (!allowed.includes('employee_count_band')) {
      throw notAllowed(`${field}.dimension`, filter.dimension, allowed);
    }
    if (!ranged) {
      throw new HarmonyError('BAD_USER_INPUT', `${field}: employee_count takes min and/or max`, {
        field,
      });
    }
    return {
      dimension: 'employee_count',
      min: filter.min ?? undefined,
      max: filter.max ?? undefined,
    };
  }
  if (
    !allowed.includes(filter.dimension as Dimension) ||
    !DIMENSIONS.includes(filter.dimension as Dimension)
  ) {
    throw notAllowed(`${field}.dimension`, filter.dimension, [...allowed, 'employee_count']);
  }
  const dimension = filter.dimension as Dimension;
  if (ranged) {
    throw new HarmonyError('BAD_USER_INPUT', `${field}: min/max only apply to employee_count`, {
      field,
    });
  }
  return filter.equals != null
    ? { dimension, equals: filter.equals }
    : { dimension, in: filter.in! };
}
