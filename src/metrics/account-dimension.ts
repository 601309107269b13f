import type { DataSource } from 'typeorm';
import { isBigintId } from '../domain/shared/lookup';
import { HarmonyError } from '../shared/errors';
import type { MetricQuery } from './compile-request';
import type { DimensionFilter } from './compiler/request';

/**
 * The `account` dimension speaks the caller's ids at the API: filters take an account's
 * externalId (or, when no account has that externalId, its internal id), and points show the
 * externalId with the name. The compiler keeps working on internal ids.
 */

type Point = { dimensions: Record<string, string> };

/** Rewrites `account` filters from external (or internal) ids to internal ids. */
export async function resolveAccountFilters(
  dataSource: DataSource,
  query: MetricQuery,
): Promise<MetricQuery> {
  const wanted = query.filters.flatMap((filter) =>
    filter.dimension !== 'account'
      ? []
      : 'equals' in filter
        ? [filter.equals]
        : 'in' in filter
          ? filter.in
          : [],
  );
  if (!wanted.length) return query;
  const rows: Array<{ id: string; external_id: string }> = await dataSource.query(
    `SELECT id::text, external_id FROM accounts
     WHERE external_id = ANY($1::text[]) OR id = ANY($2::bigint[])`,
    [wanted, wanted.filter(isBigintId)],
  );
  const byExternalId = new Map(rows.map((row) => [row.external_id, row.id]));
  const byId = new Set(rows.map((row) => row.id));
  const idOf = (value: string, field: string): string => {
    // An externalId wins over an internal id that happens to read the same.
    const id = byExternalId.get(value) ?? (byId.has(value) ? value : undefined);
    if (id === undefined) {
      throw new HarmonyError(
        'BAD_USER_INPUT',
        `${field}: no account has externalId (or id) "${value}"`,
        { field, got: value },
      );
    }
    return id;
  };
  const filters = query.filters.map((filter, index): DimensionFilter => {
    if (filter.dimension !== 'account') return filter;
    const field = `filter.where[${index}]`;
    if ('equals' in filter) return { ...filter, equals: idOf(filter.equals, `${field}.equals`) };
    if ('in' in filter)
      return { ...filter, in: filter.in.map((v, i) => idOf(v, `${field}.in[${i}]`)) };
    return filter;
  });
  return { ...query, filters };
}

/**
 * Replaces internal account ids in points' dimensions by `account` = externalId and adds
 * `accountName` (null names as ""), with one lookup for the whole answer.
 */
export async function labelAccountPoints<P extends Point>(
  dataSource: DataSource,
  points: P[],
): Promise<P[]> {
  const ids = [
    ...new Set(points.flatMap((p) => (p.dimensions.account ? [p.dimensions.account] : []))),
  ];
  if (!ids.length) return points;
  const rows: Array<{ id: string; external_id: string; name: string | null }> =
    await dataSource.query(
      `SELECT id::text, external_id, name FROM accounts WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return points.map((point) => {
    const row = point.dimensions.account ? byId.get(point.dimensions.account) : undefined;
    if (!row) return point;
    return {
      ...point,
      dimensions: { ...point.dimensions, account: row.external_id, accountName: row.name ?? '' },
    };
  });
}
