import type { DataSource } from 'typeorm';
import { utcMonth } from './utc-text';

/** Months further away than this get no partition of their own; the default partition keeps them. */
const PAST_YEARS = 30;
const FUTURE_YEARS = 2;

/**
 * Creates the monthly `events` partitions a batch needs, once per month per process. Runs in
 * its own short transaction before the batch's: creating a partition locks the parent table,
 * and doing it inside a batch holding row locks could deadlock with other batches.
 */
export class EventPartitions {
  private readonly ensured = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  async ensureFor(instants: Iterable<Date>): Promise<void> {
    const now = Date.now();
    const year = 365.25 * 24 * 3600 * 1000;
    const months = new Set<string>();
    for (const instant of instants) {
      const time = instant.getTime();
      if (time < now - PAST_YEARS * year || time > now + FUTURE_YEARS * year) continue;
      const month = utcMonth(instant);
      if (!this.ensured.has(month)) months.add(month);
    }
    if (months.size === 0) return;
    const sorted = [...months].sort();
    await this.dataSource.query(
      `SELECT harmony_ensure_event_partition(m) FROM unnest($1::timestamptz[]) AS m`,
      [sorted.map((month) => `${month}T00:00:00Z`)],
    );
    for (const month of sorted) this.ensured.add(month);
  }
}
