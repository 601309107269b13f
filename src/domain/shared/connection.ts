import { Arg, ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { ObjectLiteral, QueryRunner, SelectQueryBuilder } from 'typeorm';
import { readerFor } from '../../db/entity-reader';
import { readRows } from '../../db/read-rows';
import { invalidInput } from '../../shared/errors';
import { isBigintId } from './lookup';

@ObjectType({ description: 'Where a page of a connection is (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'Whether another page follows; pass endCursor as after to read it.' })
  hasNextPage: boolean;

  @Field({ description: 'Whether rows come before this page (after was given).' })
  hasPreviousPage: boolean;

  @Field(() => String, {
    description: 'Cursor of the first row of the page; null when the page is empty.',
    nullable: true,
  })
  startCursor: string | null;

  @Field(() => String, {
    description: 'Cursor of the last row of the page; pass it as after for the next page.',
    nullable: true,
  })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    defaultValue: 25,
    description: 'Page size, 1 to the server maximum (100 by default).',
  })
  first: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}

export type Edge<T> = { cursor: string; node: T };
export type Connection<T> = { edges: Edge<T>[]; pageInfo: PageInfo };

/** Builds the Relay connection type `<Name>Connection` with its `<Name>Edge`. */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, {
    description: `One ${name.replace(/^Billing/, '').toLowerCase()} of a page, with its cursor.`,
  })
  class EdgeType {
    @Field({
      description: 'Opaque position of this row; pass it as after to read the rows after it.',
    })
    cursor: string;

    @Field(() => nodeType, { description: 'The row.' })
    node: T;
  }

  @ObjectType(`${name}Connection`, {
    description: `A page of ${name.replace(/^Billing/, '').toLowerCase()}s, oldest first (Relay connection).`,
  })
  class ConnectionClass {
    @Field(() => [EdgeType], {
      description: 'The rows of this page, in a stable order (oldest first).',
    })
    edges: EdgeType[];

    @Field(() => PageInfo, { description: 'Where this page is, and how to read the next one.' })
    pageInfo: PageInfo;
  }
  return ConnectionClass;
}

/** Rows a nested list (Account.users, Team.members, ...) returns per parent unless told. */
export const NESTED_LIST_DEFAULT = 100;
/** Most rows a nested list may return per parent. */
export const NESTED_LIST_MAX = 1000;

/**
 * The `first` argument of every nested list: at most that many rows per parent, in the list's
 * order. Bounded so the query cost (which multiplies by it) is known before the query runs.
 */
export function NestedFirstArg() {
  return Arg('first', () => Int, {
    defaultValue: NESTED_LIST_DEFAULT,
    description: `At most this many, 1 to ${NESTED_LIST_MAX} (default ${NESTED_LIST_DEFAULT}). Getting exactly \`first\` back means there may be more.`,
  });
}

/** Checks a nested list's `first` and returns it. */
export function nestedListSize(first: number): number {
  assertPageSize(first, NESTED_LIST_MAX);
  return first;
}

const CURSOR_VERSION = 'id:';

/** Cursors are opaque to clients; inside they hold the id the next page starts after. */
export function encodeCursor(id: string): string {
  return Buffer.from(CURSOR_VERSION + id).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.slice(CURSOR_VERSION.length);
  if (!text.startsWith(CURSOR_VERSION) || !isBigintId(id)) {
    throw invalidInput(
      field,
      `expected a cursor from a previous page's endCursor, got "${cursor}"`,
    );
  }
  return id;
}

export function assertPageSize(first: number, maxPageSize: number, field = 'first'): void {
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
    throw invalidInput(field, `expected a page size between 1 and ${maxPageSize}, got ${first}`);
  }
}

/**
 * What the page's own statement reads next to each row, to spare the page a statement of its
 * own (an account's plan now). Its SQL sees the page's rows as `page`, their columns named by
 * property (`page."id"`).
 */
export type AlongsidePage = {
  /** Joins onto `page`, e.g. `LEFT JOIN plans p ON …`. */
  joins: string;
  /** The select list they add, named so as not to clash with the row's properties. */
  columns: string;
  /** Called with every row the statement returned (the row past the page included). */
  read(rows: Array<Record<string, unknown>>): void;
};

/**
 * Pages through a query in id order. Ids only grow, so rows inserted while a client pages land
 * after its cursor or on a later page: nothing is skipped or repeated.
 */
export async function paginateById<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  args: PageArgs,
  maxPageSize: number,
  alongside?: AlongsidePage,
): Promise<Connection<T>> {
  assertPageSize(args.first, maxPageSize);
  const alias = query.alias;
  if (args.after) query.andWhere(`${alias}.id > :afterId`, { afterId: decodeCursor(args.after) });
  // Plain rows, read without TypeORM's hydration (src/db/entity-reader.ts).
  const reader = readerFor(query.expressionMap.mainAlias!.metadata);
  query
    .select(reader.columns(alias))
    .orderBy(`${alias}.id`, 'ASC')
    .limit(args.first + 1);
  const [pageSql, parameters] = query.getQueryAndParameters();
  const sql = alongside
    ? `WITH page AS (${pageSql})
       SELECT page.*, ${alongside.columns} FROM page ${alongside.joins} ORDER BY page."id"`
    : pageSql;
  // Outside a transaction, as a prepared statement on the pool (src/db/read-rows.ts).
  const runner = (query as unknown as { queryRunner?: QueryRunner }).queryRunner;
  const rows: Array<Record<string, unknown>> = runner
    ? await runner.query(sql, parameters)
    : await readRows(query.connection, sql, parameters);
  alongside?.read(rows);
  return toConnection(rows.map(reader.read) as T[], args);
}

export function toConnection<T extends { id: string }>(rows: T[], args: PageArgs): Connection<T> {
  const page = rows.slice(0, args.first);
  const edges = page.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > args.first,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
