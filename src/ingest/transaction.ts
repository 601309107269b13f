import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Sql } from './sql';

/** What a transaction's work produced, and the statements that end it (sent with COMMIT). */
export type TransactionWork<T> = { value: T; last: string[] };

/**
 * Runs `work` in a transaction on one pooled connection. The statements `work` returns in
 * `last` (those locking rows other batches also want) travel with the COMMIT in one
 * simple-protocol message: PostgreSQL runs them and commits without a round trip to Node, whose
 * event loop may be busy with other requests, so those locks are held as briefly as possible.
 * The promise resolves only once COMMIT returned, i.e. the data is durable.
 */
export async function transactionEndingWith<T>(
  dataSource: DataSource,
  work: (sql: Sql) => Promise<TransactionWork<T>>,
): Promise<T> {
  const driver = dataSource.driver as PostgresDriver;
  const [client, release] = (await driver.obtainMasterConnection()) as [
    { query(text: string, params?: unknown[]): Promise<{ rows: any[] }> },
    (error?: unknown) => void,
  ];
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const { value, last } = await work(async (text, params) => {
      return (await client.query(text, params)).rows;
    });
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
