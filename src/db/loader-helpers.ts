import DataLoader from 'dataloader';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { entityReader } from './entity-reader';
import { readRows } from './read-rows';

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
  const rows = await readRows(
    dataSource,
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
  const rows = await readRows(
    dataSource,
    `SELECT ${reader.columns('t')} FROM ${tableName} t WHERE t.id = ANY($1::bigint[])`,
    [ids],
  );
  return rows.map(reader.read);
}

export type LinkQuery = {
  /** The link table with its alias, e.g. `memberships m`. */
  link: string;
  /** Parent and child id columns of the link, e.g. `m.account_id` and `m.user_id`. */
  parent: string;
  child: string;
  /** Further conditions on the link; their parameters start at `$3`. */
  where?: string;
  params?: unknown[];
  parentIds: readonly string[];
  /** Children per parent, the lowest ids first. */
  first: number;
  /** The child's properties to read (and its id); every column when absent. */
  properties?: readonly string[];
};

/**
 * Live entities reached through a link table, the first `first` per parent by child id, in one
 * statement. Per parent, a LATERAL subquery walks the link's (parent, child) index in child order
 * and stops after `first` rows, joining each child by primary key: no table is scanned whole.
 * Each (parent, child) pair is its own row and its own object, so a child linked to two parents
 * of the page appears under both.
 */
export async function linkedEntitiesPerParent<T extends { id: string }>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  link: LinkQuery,
): Promise<Array<{ parentId: string; entity: T }>> {
  const metadata = dataSource.getMetadata(entity);
  const whole = entityReader(dataSource, entity);
  const reader = link.properties ? whole.only(link.properties) : whole;
  const live = metadata.deleteDateColumn
    ? `AND child.${metadata.deleteDateColumn.databaseName} IS NULL`
    : '';
  const rows = await readRows(
    dataSource,
    `SELECT parent.id::text AS "__parentId", linked.*
     FROM (SELECT DISTINCT id FROM unnest($1::bigint[]) AS ids(id)) parent
     CROSS JOIN LATERAL (
       SELECT ${reader.columns('child')}
       FROM ${link.link}
       JOIN ${metadata.tableName} child ON child.id = ${link.child} ${live}
       WHERE ${link.parent} = parent.id ${link.where ? `AND ${link.where}` : ''}
       ORDER BY ${link.child}
       LIMIT $2
     ) linked
     ORDER BY parent.id, linked.id`,
    [link.parentIds, link.first, ...(link.params ?? [])],
  );
  return rows.map((row) => ({ parentId: row.__parentId as string, entity: reader.read(row) as T }));
}
