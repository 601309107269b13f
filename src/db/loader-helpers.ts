import DataLoader from 'dataloader';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { entityReader } from './entity-reader';

/** A loader that returns, for each key, every row belonging to it (possibly none). */
export function manyPerKeyLoader<Row>(
  fetch: (keys: readonly string[]) => Promise<Row[]>,
  keyOf: (row: Row) => string,
): DataLoader<string, Row[]> {
  return new DataLoader(async (keys) => {
    const groups = new Map<string, Row[]>(keys.map((key) => [key, []]));
    for (const row of await fetch(keys)) groups.get(keyOf(row))?.push(row);
    return keys.map((key) => groups.get(key)!);
  });
}

/** A loader that returns the one row per key, or null when there is none. */
export function onePerKeyLoader<Row>(
  fetch: (keys: readonly string[]) => Promise<Row[]>,
  keyOf: (row: Row) => string,
): DataLoader<string, Row | null> {
  return new DataLoader(async (keys) => {
    const byKey = new Map<string, Row>();
    for (const row of await fetch(keys)) byKey.set(keyOf(row), row);
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/**
 * One loader per argument set (a role, a page size): loads sharing arguments batch into one
 * statement, and different arguments never share a cached answer.
 */
export function loaderPerArguments<Args extends unknown[], Loader>(
  create: (...args: Args) => Loader,
): (...args: Args) => Loader {
  const loaders = new Map<string, Loader>();
  return (...args) => {
    const key = JSON.stringify(args);
    let loader = loaders.get(key);
    if (!loader) {
      loader = create(...args);
      loaders.set(key, loader);
    }
    return loader;
  };
}

export type FirstPerParentQuery = {
  /** The property that holds the parent id, e.g. `accountId`. */
  parent: string;
  parentIds: readonly string[];
  /** Rows per parent. */
  first: number;
  /** Properties the rows are ranked and returned by, e.g. `['id']`. */
  orderBy: string[];
};

/**
 * The first `first` rows of each parent in one statement (`row_number() OVER (PARTITION BY
 * parent)`), so a page of parents costs one query whatever its size. Soft-deleted rows are
 * neither counted nor returned.
 */
export async function firstRowsPerParent<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  query: FirstPerParentQuery,
): Promise<T[]> {
  const metadata = dataSource.getMetadata(entity);
  const reader = entityReader(dataSource, entity);
  const column = (property: string) => metadata.findColumnWithPropertyName(property)!.databaseName;
  const { tableName, deleteDateColumn } = metadata;
  const order = query.orderBy.map(column).join(', ');
  const live = deleteDateColumn ? `AND ${deleteDateColumn.databaseName} IS NULL` : '';
  const rows: Array<Record<string, unknown>> = await dataSource.query(
    `SELECT ${reader.columns('ranked')}
     FROM (
       SELECT t.*, row_number() OVER (PARTITION BY ${column(query.parent)} ORDER BY ${order}) AS n
       FROM ${tableName} t
       WHERE ${column(query.parent)} = ANY($1::bigint[]) ${live}
     ) ranked
     WHERE ranked.n <= $2
     ORDER BY ${query.orderBy.map((property) => `ranked.${column(property)}`).join(', ')}`,
    [query.parentIds, query.first],
  );
  return rows.map(reader.read);
}

/** Rows by id, soft-deleted ones included (a loader resolves references, which may be deleted). */
export async function entitiesById<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  ids: readonly string[],
): Promise<T[]> {
  const { tableName } = dataSource.getMetadata(entity);
  const reader = entityReader(dataSource, entity);
  const rows: Array<Record<string, unknown>> = await dataSource.query(
    `SELECT ${reader.columns('t')} FROM ${tableName} t WHERE t.id = ANY($1::bigint[])`,
    [ids],
  );
  return rows.map(reader.read);
}

export type LinkQuery = {
  /** The link table and the joins that keep only live children, e.g. `memberships m JOIN users u ON …`. */
  from: string;
  /** Parent and child id columns of the link, e.g. `m.account_id` and `m.user_id`. */
  parent: string;
  child: string;
  /** Further conditions on the link; their parameters start at `$3`. */
  where?: string;
  params?: unknown[];
  parentIds: readonly string[];
  /** Children per parent, the lowest ids first. */
  first: number;
};

/**
 * Entities reached through a link table, the first `first` per parent, in one statement. Each
 * (parent, child) pair is its own row and its own object, so a child linked to two parents of
 * the page appears under both (TypeORM's hydration once merged them by primary key).
 */
export async function linkedEntitiesPerParent<T extends { id: string }>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  link: LinkQuery,
): Promise<Array<{ parentId: string; entity: T }>> {
  const metadata = dataSource.getMetadata(entity);
  const reader = entityReader(dataSource, entity);
  const live = metadata.deleteDateColumn
    ? `AND child.${metadata.deleteDateColumn.databaseName} IS NULL`
    : '';
  const rows: Array<Record<string, unknown>> = await dataSource.query(
    `SELECT ranked.parent_id::text AS "__parentId", ${reader.columns('child')}
     FROM (
       SELECT ${link.parent} AS parent_id, ${link.child} AS child_id,
         row_number() OVER (PARTITION BY ${link.parent} ORDER BY ${link.child}) AS n
       FROM ${link.from}
       WHERE ${link.parent} = ANY($1::bigint[]) ${link.where ? `AND ${link.where}` : ''}
     ) ranked
     JOIN ${metadata.tableName} child ON child.id = ranked.child_id ${live}
     WHERE ranked.n <= $2
     ORDER BY ranked.parent_id, ranked.child_id`,
    [link.parentIds, link.first, ...(link.params ?? [])],
  );
  return rows.map((row) => ({ parentId: row.__parentId as string, entity: reader.read(row) }));
}
