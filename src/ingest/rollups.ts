import {
  addEventCountsSql,
  addUserActivityDailySql,
  addUserActivityMonthlySql,
  monthRowsFromDaily,
} from '../db/rollup-sql';
import type { CombinedStatement } from './combined-statement';
import { sqlLiteral } from './sql';
import { isoTimestamp, utcDay } from './utc-text';

/** One event as the rollups see it: which definition, who, which account, when. */
export type EventFact = {
  definitionId: string;
  userId: string | null;
  accountId: string | null;
  occurredAt: Date;
};

type UserActivity = { count: number; firstAt: Date; lastAt: Date };

/** A rollup row's key columns, in primary-key order, and the delta for it. */
type Entry<V> = { key: [string, string, string]; value: V };

/**
 * Changes to the daily rollup tables a batch makes, summed per key before anything is written,
 * so each table gets one statement per batch. `account 0` stands for "no account". The monthly
 * rollup follows from the daily one (see `addRollupWrites`).
 */
export class RollupDeltas {
  readonly counts = new Map<string, Entry<number>>();
  readonly daily = new Map<string, Entry<UserActivity>>();

  /** A new event. */
  add(fact: EventFact): void {
    const day = utcDay(fact.occurredAt);
    this.addCount(fact, day, 1);
    if (fact.userId) this.addActivity(fact, day);
  }

  /** An anonymous event now attributed to a user (and maybe to the user's account). */
  attribute(before: { accountId: string | null }, after: EventFact): void {
    const day = utcDay(after.occurredAt);
    if ((before.accountId ?? '0') !== (after.accountId ?? '0')) {
      this.addCount({ ...after, accountId: before.accountId }, day, -1);
      this.addCount(after, day, 1);
    }
    if (after.userId) this.addActivity(after, day);
  }

  get isEmpty(): boolean {
    return this.counts.size === 0 && this.daily.size === 0;
  }

  private addCount(fact: EventFact, day: string, delta: number): void {
    const account = fact.accountId ?? '0';
    const key = `${fact.definitionId}|${day}|${account}`;
    const entry = this.counts.get(key);
    if (entry) entry.value += delta;
    else this.counts.set(key, { key: [fact.definitionId, day, account], value: delta });
  }

  private addActivity(fact: EventFact, day: string): void {
    const account = fact.accountId ?? '0';
    const userId = fact.userId!;
    const dayKey = `${day}|${account}|${userId}`;
    const activity = this.daily.get(dayKey)?.value;
    if (!activity) {
      const value = { count: 1, firstAt: fact.occurredAt, lastAt: fact.occurredAt };
      this.daily.set(dayKey, { key: [day, account, userId], value });
      return;
    }
    activity.count += 1;
    if (fact.occurredAt < activity.firstAt) activity.firstAt = fact.occurredAt;
    if (fact.occurredAt > activity.lastAt) activity.lastAt = fact.occurredAt;
  }
}

/** Numeric ids as text (no leading zeros): shorter is smaller, then character order. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** ISO dates compare as text. */
function compareDates(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The non-zero entries sorted column by column, to match primary key order; `kinds` says how
 * each key column compares.
 */
function sortedEntries<V>(
  map: Map<string, Entry<V>>,
  kinds: Array<(a: string, b: string) => number>,
): Array<[string[], V]> {
  const entries: Array<[string[], V]> = [];
  for (const { key, value } of map.values()) if (value !== 0) entries.push([key, value]);
  return entries.sort(
    ([a], [b]) => kinds[0](a[0], b[0]) || kinds[1](a[1], b[1]) || kinds[2](a[2], b[2]),
  );
}

const sortedKeys = {
  counts: (deltas: RollupDeltas) =>
    sortedEntries(deltas.counts, [compareIds, compareDates, compareIds]),
  daily: (deltas: RollupDeltas) =>
    sortedEntries(deltas.daily, [compareDates, compareIds, compareIds]),
};

/**
 * Adds the deltas to the rollup tables, as CTEs of the batch's final statement, with the
 * shared builders of src/db/rollup-sql.ts. Keys are written in primary-key order: two batches
 * touching the same rows lock them in the same order and wait instead of deadlocking.
 */
export function addRollupWrites(statement: CombinedStatement, deltas: RollupDeltas): void {
  const counts = sortedKeys.counts(deltas);
  if (counts.length) {
    const rows = unnestRows(statement, [
      [counts.map(([k]) => k[0]), 'bigint[]'],
      [counts.map(([k]) => k[1]), 'date[]'],
      [counts.map(([k]) => k[2]), 'bigint[]'],
      [counts.map(([, n]) => n), 'bigint[]'],
    ]);
    statement.add('rollup_counts', addEventCountsSql(rows));
  }
  const daily = sortedKeys.daily(deltas);
  if (daily.length) {
    const rows = unnestRows(statement, [
      [daily.map(([k]) => k[0]), 'date[]'],
      [daily.map(([k]) => k[1]), 'bigint[]'],
      [daily.map(([k]) => k[2]), 'bigint[]'],
      [daily.map(([, v]) => v.count), 'bigint[]'],
      [daily.map(([, v]) => isoTimestamp(v.firstAt)), 'timestamptz[]'],
      [daily.map(([, v]) => isoTimestamp(v.lastAt)), 'timestamptz[]'],
    ]);
    statement.add('rollup_daily', addUserActivityDailySql(rows, { returnCreated: true }));
    statement.add(
      'rollup_monthly',
      addUserActivityMonthlySql(monthRowsFromDaily('rollup_daily', 'WHERE created')),
    );
  }
}

/** `SELECT * FROM unnest(…)` over one typed array literal per column. */
function unnestRows(statement: CombinedStatement, columns: Array<[unknown[], string]>): string {
  const arrays = columns.map(([values, cast]) => statement.param(values, cast));
  return `SELECT * FROM unnest(${arrays.join(',\n         ')})`;
}

/**
 * Attribution can move every event of a key elsewhere; a recount would have no row for it, so
 * rows brought to zero are removed, by a statement that runs after the final one (which cannot
 * see its own writes). Null when no count went down.
 */
export function emptiedCountsStatement(deltas: RollupDeltas): string | null {
  const decremented = sortedKeys.counts(deltas).filter(([, n]) => n < 0);
  if (decremented.length === 0) return null;
  const [definitions, days, accounts] = [0, 1, 2].map((i) =>
    sqlLiteral(decremented.map(([k]) => k[i])),
  );
  return `DELETE FROM event_counts_daily c
     USING unnest(${definitions}::bigint[], ${days}::date[], ${accounts}::bigint[])
       AS k(definition_id, day, account_id)
     WHERE c.definition_id = k.definition_id AND c.day = k.day
       AND c.account_id = k.account_id AND c.event_count = 0`;
}
