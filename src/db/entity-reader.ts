import { types } from 'pg';
import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Reads entities with plain SQL instead of TypeORM's hydration, for the read paths a page of
 * GraphQL runs on (lists and loaders). Timestamps and jsonb arrive as text and are parsed only
 * when a field asks for them: a page asking for names and emails never builds a Date.
 * Why and what it saved: docs/api-speed.md.
 */
export type EntityReader<T> = {
  /** The select list for the table behind `alias`, e.g. `a.id AS "id", …`. */
  columns(alias: string): string;
  /** One row of that select list as an instance of the entity class. */
  read(row: Record<string, unknown>): T;
  /**
   * The same reader limited to some properties (and the primary key): a page that asks for
   * users' emails reads two columns, not twelve. Properties that are not columns are ignored.
   */
  only(properties: readonly string[]): EntityReader<T>;
  /**
   * The reader of every column, named `<prefix><property>`, to read an entity from the columns
   * of another's row (an account's plan in the page's statement).
   */
  prefixed(prefix: string): EntityReader<T>;
};

const parseTimestamp = types.getTypeParser(types.builtins.TIMESTAMPTZ, 'text') as (
  text: string,
) => Date;
/** Text columns arrive as text: parse them with the very parsers pg would have used. */
const LAZY_PARSERS: Partial<Record<string, (text: string) => unknown>> = {
  timestamptz: parseTimestamp,
  'timestamp with time zone': parseTimestamp,
  jsonb: (text) => JSON.parse(text),
  json: (text) => JSON.parse(text),
};

/** Raw text of lazily parsed fields, kept off the enumerable properties. */
const RAW = Symbol('raw');

const readers = new WeakMap<EntityMetadata, EntityReader<unknown>>();

/** The reader of an entity, built once per data source's metadata. */
export function entityReader<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
): EntityReader<T> {
  return readerFor(dataSource.getMetadata(entity)) as EntityReader<T>;
}

export function readerFor(metadata: EntityMetadata): EntityReader<unknown> {
  let reader = readers.get(metadata);
  if (!reader) {
    reader = buildReader(metadata);
    readers.set(metadata, reader);
  }
  return reader;
}

type EagerColumn = { column: string; property: string };
type LazyColumn = EagerColumn & { parse: (text: string) => unknown };

function buildReader(metadata: EntityMetadata): EntityReader<unknown> {
  const eager: EagerColumn[] = [];
  const lazy: LazyColumn[] = [];
  for (const column of metadata.columns) {
    const type = typeof column.type === 'string' ? column.type : '';
    const parse = LAZY_PARSERS[type];
    const entry = { column: column.databaseName, property: column.propertyName };
    if (parse) lazy.push({ ...entry, parse });
    else eager.push(entry);
  }
  const target = metadata.target as { prototype: object };
  // A subclass of the entity: `instanceof` and the entity's own getters (Plan.price) still work.
  const prototype = Object.create(target.prototype);
  for (const { property, parse } of lazy) {
    Object.defineProperty(prototype, property, {
      configurable: true,
      enumerable: true,
      get(this: Record<string | symbol, any>) {
        const text = this[RAW][property];
        const value = text == null ? null : parse(text);
        Object.defineProperty(this, property, { value, writable: true, enumerable: true });
        return value;
      },
      set(this: object, value: unknown) {
        Object.defineProperty(this, property, { value, writable: true, enumerable: true });
      },
    });
  }
  const primaryKeys = new Set(metadata.primaryColumns.map((column) => column.propertyName));
  const projections = new Map<string, EntityReader<unknown>>();
  const prefixedReaders = new Map<string, EntityReader<unknown>>();
  const whole: EntityReader<unknown> = {
    ...selectAndRead(prototype, eager, lazy),
    only: (properties) => {
      const key = [...new Set(properties)].sort().join(',');
      let projection = projections.get(key);
      if (!projection) {
        // Subsets of one entity's columns are few; past the bound, read every column.
        if (projections.size >= MAX_PROJECTIONS) return whole;
        const wanted = (entry: EagerColumn) =>
          primaryKeys.has(entry.property) || properties.includes(entry.property);
        projection = {
          ...selectAndRead(prototype, eager.filter(wanted), lazy.filter(wanted)),
          only: whole.only,
          prefixed: whole.prefixed,
        };
        projections.set(key, projection);
      }
      return projection;
    },
    prefixed: (prefix) => {
      let reader = prefixedReaders.get(prefix);
      if (!reader) {
        reader = {
          ...selectAndRead(prototype, eager, lazy, prefix),
          only: whole.only,
          prefixed: whole.prefixed,
        };
        prefixedReaders.set(prefix, reader);
      }
      return reader;
    },
  };
  return whole;
}

/** Column subsets remembered per entity. */
const MAX_PROJECTIONS = 64;

/** The select list and row reader of some columns, building instances on `prototype`. */
function selectAndRead(
  prototype: object,
  eager: EagerColumn[],
  lazy: LazyColumn[],
  prefix = '',
): Pick<EntityReader<unknown>, 'columns' | 'read'> {
  const eagerKeys = eager.map((e) => [e.property, prefix + e.property]);
  const lazyKeys = lazy.map((l) => [l.property, prefix + l.property]);
  return {
    columns: (alias) =>
      [
        ...eager.map((e) => `"${alias}"."${e.column}" AS "${prefix}${e.property}"`),
        ...lazy.map((l) => `"${alias}"."${l.column}"::text AS "${prefix}${l.property}"`),
      ].join(', '),
    read: (row) => {
      const record = Object.create(prototype);
      for (const [property, column] of eagerKeys) record[property] = row[column];
      const raw: Record<string, unknown> = {};
      for (const [property, column] of lazyKeys) raw[property] = row[column];
      record[RAW] = raw;
      return record;
    },
  };
}
