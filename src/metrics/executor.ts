import type { DataSource } from 'typeorm';
import { HarmonyError } from '../shared/errors';
import type { CompiledSql } from './compiler/sql-params';
import type { MetricRow } from './compiler/request';
import { StatementSlots } from './statement-slots';

/** PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

/** Memory one metric statement may use per sort or hash before spilling to disk. */
export const METRIC_WORK_MEM = '64MB';

/** Upper bound for one metric statement, in milliseconds. Default 10 s. */
export const METRIC_STATEMENT_TIMEOUT_MS = 10_000;

/** Metric statements running at once per process when none is configured. */
export const DEFAULT_METRIC_CONCURRENCY = 4;

export type MetricConcurrency = {
  /** Statements at once in this process; keep it below the pool size. Default 4. */
  maxConcurrent?: number;
  /** Longest wait for a slot before SERVICE_UNAVAILABLE, in ms. Default: the statement timeout. */
  slotWaitMs?: number;
};

/**
 * Runs compiled metric statements in a read-only transaction with their own statement
 * timeout, so a runaway query is cancelled by PostgreSQL rather than holding a connection, and
 * at most `maxConcurrent` at once, so metrics leave connections to ingestion and the API.
 */
export class MetricExecutor {
  readonly slots: StatementSlots;

  constructor(
    private readonly dataSource: DataSource,
    private readonly timeoutMs: number = METRIC_STATEMENT_TIMEOUT_MS,
    concurrency: MetricConcurrency = {},
  ) {
    this.slots = new StatementSlots(
      concurrency.maxConcurrent ?? DEFAULT_METRIC_CONCURRENCY,
      concurrency.slotWaitMs ?? timeoutMs,
    );
  }

  run(statement: CompiledSql): Promise<MetricRow[]> {
    return this.slots.run(() => this.runNow(statement));
  }

  private async runNow(statement: CompiledSql): Promise<MetricRow[]> {
    const runner = this.dataSource.createQueryRunner('slave');
    await runner.connect();
    try {
      await runner.query(`BEGIN READ ONLY`);
      // Transaction-local settings: the timeout; no JIT, whose compile time exceeds what it
      // saves on these short aggregates; and room for hash aggregates over rollup rows.
      await runner.query(
        `SELECT set_config('statement_timeout', $1, true), set_config('jit', 'off', true),
           set_config('work_mem', $2, true)`,
        [String(Math.floor(this.timeoutMs)), METRIC_WORK_MEM],
      );
      const rows: MetricRow[] = await runner.query(statement.sql, statement.params);
      await runner.query(`COMMIT`);
      return rows;
    } catch (error) {
      await runner.query(`ROLLBACK`).catch(() => undefined);
      if ((error as { driverError?: { code?: string } }).driverError?.code === QUERY_CANCELED) {
        throw new HarmonyError(
          'QUERY_TIMEOUT',
          `The metric query ran longer than ${this.timeoutMs} ms; expected a shorter window, a coarser grain or fewer groups`,
          { timeoutMs: this.timeoutMs },
          { cause: error },
        );
      }
      throw new Error(`metric query failed: ${(error as Error).message}`, { cause: error });
    } finally {
      await runner.release();
    }
  }
}
