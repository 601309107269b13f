import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { from as copyFrom } from 'pg-copy-streams';
import type { Sql } from './sql';

/** Rows in COPY's text format, and the `COPY ... FROM STDIN` statement that loads them. */
export type CopyLoad = { statement: string; data: string };

/**
 * What a transaction's work produced, and how it ends: an optional COPY, then statements sent
 * in one message with the COMMIT.
 */
export type TransactionWork<T> = { value: T; copy?: CopyLoad | null; last: string[] };

type PooledClient = {
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
  query(copy: ReturnType<typeof copyFrom>): ReturnType<typeof copyFrom>;
};

/**
 * Runs `work` in a transaction on one pooled connection, then its COPY, then its `last`
 * statements (those locking rows other batches also want) with the COMMIT, in one
 * simple-protocol message: PostgreSQL runs them and commits without a round trip to Node,
 * whose event loop may be busy with other requests, so those locks are held as briefly as
 * possible. The promise resolves only once COMMIT returned, i.e. the data is durable.
 */
export async function transactionEndingWith<T>(
  dataSource: DataSource,
  work: (sql: Sql) => Promise<TransactionWork<T>>,
): Promise<T> {
  const driver = dataSource.driver as PostgresDriver;
  const [client, release] = (await driver.obtainMasterConnection()) as [
    PooledClient,
    (error?: unknown) => void,
  ];
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const { value, copy, last } = await work(async (text, params) => {
      return (await client.query(text, params)).rows;
    });
    if (copy) await load(client, copy);
    await client.query([...last, 'COMMIT'].join(';\n'));
    return value;
  } catch (error) {
    // A connection that cannot even roll back is dropped from the pool, not reused.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    release(broken);
  }
}

/** Streams COPY data in one piece; resolves once the server has taken every row. */
function load(client: PooledClient, { statement, data }: CopyLoad): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(statement));
    stream.once('finish', resolve);
    stream.once('error', reject);
    stream.end(data);
  });
}
