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
 * Adds the deltas to the rollup tables, as CTEs of the batch's final statement. Keys are
 * written in primary-key order: two batches touching the same rows lock them in the same order
 * and wait instead of deadlocking.
 *
 * The monthly rollup (who was active in which account and month) gets a key only from daily
 * rows this statement created: a daily row that was already there was written together with
 * its month, so checking the month again would cost an index probe per row and change nothing.
 */
export function addRollupWrites(statement: CombinedStatement, deltas: RollupDeltas): void {
  const counts = sortedKeys.counts(deltas);
  if (counts.length) {
    statement.add(
      'rollup_counts',
      `INSERT INTO event_counts_daily (definition_id, day, account_id, event_count)
       SELECT * FROM unnest(${statement.param(
         counts.map(([k]) => k[0]),
         'bigint[]',
       )},
         ${statement.param(
           counts.map(([k]) => k[1]),
           'date[]',
         )},
         ${statement.param(
           counts.map(([k]) => k[2]),
           'bigint[]',
         )},
         ${statement.param(
           counts.map(([, n]) => n),
           'bigint[]',
         )})
       ON CONFLICT (definition_id, day, account_id)
       DO UPDATE SET event_count = event_counts_daily.event_count + EXCLUDED.event_count`,
    );
  }
  const daily = sortedKeys.daily(deltas);
  if (daily.length) {
    statement.add(
      'rollup_daily',
      `INSERT INTO user_activity_daily (day, account_id, user_id, event_count, first_at, last_at)
       SELECT * FROM unnest(${statement.param(
         daily.map(([k]) => k[0]),
         'date[]',
       )},
         ${statement.param(
           daily.map(([k]) => k[1]),
           'bigint[]',
         )},
         ${statement.param(
           daily.map(([k]) => k[2]),
           'bigint[]',
         )},
         ${statement.param(
           daily.map(([, v]) => v.count),
           'bigint[]',
         )},
         ${statement.param(
           daily.map(([, v]) => isoTimestamp(v.firstAt)),
           'timestamptz[]',
         )},
         ${statement.param(
           daily.map(([, v]) => isoTimestamp(v.lastAt)),
           'timestamptz[]',
         )})
       ON CONFLICT (day, account_id, user_id) DO UPDATE SET
         event_count = user_activity_daily.event_count + EXCLUDED.event_count,
         first_at = least(user_activity_daily.first_at, EXCLUDED.first_at),
         last_at = greatest(user_activity_daily.last_at, EXCLUDED.last_at)
       -- xmax is 0 only on a row version this statement inserted.
       RETURNING day, account_id, user_id, xmax = 0 AS created`,
    );
    statement.add(
      'rollup_monthly',
      `INSERT INTO user_activity_monthly (month, account_id, user_id)
       SELECT DISTINCT date_trunc('month', day::timestamp)::date, account_id, user_id FROM rollup_daily
       WHERE created ORDER BY 1, 2, 3
       -- Already there (another batch's day in the same month): nothing written, no row locked.
       ON CONFLICT (month, account_id, user_id) DO NOTHING`,
    );
  }
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
