import type { CombinedStatement } from './combined-statement';
import { utcDay, utcMonth, type Sql } from './sql';

/** One event as the rollups see it: which definition, who, which account, when. */
export type EventFact = {
  definitionId: string;
  userId: string | null;
  accountId: string | null;
  occurredAt: Date;
};

type UserActivity = { count: number; firstAt: Date; lastAt: Date };

/**
 * Changes to the three rollup tables a batch makes, summed per key before anything is written,
 * so each table gets one statement per batch. `account 0` stands for "no account".
 */
export class RollupDeltas {
  readonly counts = new Map<string, number>();
  readonly daily = new Map<string, UserActivity>();
  readonly monthly = new Map<string, number>();

  /** A new event. */
  add(fact: EventFact): void {
    this.addCount(fact, 1);
    if (fact.userId) this.addActivity(fact);
  }

  /** An anonymous event now attributed to a user (and maybe to the user's account). */
  attribute(before: { accountId: string | null }, after: EventFact): void {
    if ((before.accountId ?? '0') !== (after.accountId ?? '0')) {
      this.addCount({ ...after, accountId: before.accountId }, -1);
      this.addCount(after, 1);
    }
    if (after.userId) this.addActivity(after);
  }

  get isEmpty(): boolean {
    return this.counts.size === 0 && this.daily.size === 0;
  }

  private addCount(fact: EventFact, delta: number): void {
    const key = `${fact.definitionId}|${utcDay(fact.occurredAt)}|${fact.accountId ?? '0'}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + delta);
  }

  private addActivity(fact: EventFact): void {
    const account = fact.accountId ?? '0';
    const dayKey = `${utcDay(fact.occurredAt)}|${account}|${fact.userId}`;
    const day = this.daily.get(dayKey);
    if (!day) {
      this.daily.set(dayKey, { count: 1, firstAt: fact.occurredAt, lastAt: fact.occurredAt });
    } else {
      day.count += 1;
      if (fact.occurredAt < day.firstAt) day.firstAt = fact.occurredAt;
      if (fact.occurredAt > day.lastAt) day.lastAt = fact.occurredAt;
    }
    const monthKey = `${utcMonth(fact.occurredAt)}|${account}|${fact.userId}`;
    this.monthly.set(monthKey, (this.monthly.get(monthKey) ?? 0) + 1);
  }
}

/** Sorts `a|b|c` keys column by column (numbers numerically) to match primary key order. */
function sortedKeys<V>(map: Map<string, V>): Array<[string[], V]> {
  const entries = [...map.entries()]
    .filter(([, value]) => value !== 0)
    .map(([key, value]) => [key.split('|'), value] as [string[], V]);
  const compare = (a: string, b: string) =>
    /^\d+$/.test(a) && /^\d+$/.test(b)
      ? a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
      : a < b
        ? -1
        : a > b
          ? 1
          : 0;
  return entries.sort(([a], [b]) => {
    for (let i = 0; i < a.length; i++) {
      const order = compare(a[i], b[i]);
      if (order) return order;
    }
    return 0;
  });
}

/**
 * Adds the deltas to the rollup tables, as CTEs of the batch's final statement. Keys are
 * written in primary-key order: two batches touching the same rows lock them in the same order
 * and wait instead of deadlocking.
 */
export function addRollupWrites(statement: CombinedStatement, deltas: RollupDeltas): void {
  const counts = sortedKeys(deltas.counts);
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
  const daily = sortedKeys(deltas.daily);
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
           daily.map(([, v]) => v.firstAt.toISOString()),
           'timestamptz[]',
         )},
         ${statement.param(
           daily.map(([, v]) => v.lastAt.toISOString()),
           'timestamptz[]',
         )})
       ON CONFLICT (day, account_id, user_id) DO UPDATE SET
         event_count = user_activity_daily.event_count + EXCLUDED.event_count,
         first_at = least(user_activity_daily.first_at, EXCLUDED.first_at),
         last_at = greatest(user_activity_daily.last_at, EXCLUDED.last_at)`,
    );
  }
  const monthly = sortedKeys(deltas.monthly);
  if (monthly.length) {
    statement.add(
      'rollup_monthly',
      `INSERT INTO user_activity_monthly (month, account_id, user_id, event_count)
       SELECT * FROM unnest(${statement.param(
         monthly.map(([k]) => k[0]),
         'date[]',
       )},
         ${statement.param(
           monthly.map(([k]) => k[1]),
           'bigint[]',
         )},
         ${statement.param(
           monthly.map(([k]) => k[2]),
           'bigint[]',
         )},
         ${statement.param(
           monthly.map(([, n]) => n),
           'bigint[]',
         )})
       ON CONFLICT (month, account_id, user_id)
       DO UPDATE SET event_count = user_activity_monthly.event_count + EXCLUDED.event_count`,
    );
  }
}

/**
 * Attribution can move every event of a key elsewhere; a recount would have no row for it, so
 * rows brought to zero are removed (after the final statement, which cannot see its own writes).
 */
export async function removeEmptiedCounts(sql: Sql, deltas: RollupDeltas): Promise<void> {
  const decremented = sortedKeys(deltas.counts).filter(([, n]) => n < 0);
  if (decremented.length === 0) return;
  await sql(
    `DELETE FROM event_counts_daily c
     USING unnest($1::bigint[], $2::date[], $3::bigint[]) AS k(definition_id, day, account_id)
     WHERE c.definition_id = k.definition_id AND c.day = k.day
       AND c.account_id = k.account_id AND c.event_count = 0`,
    [0, 1, 2].map((i) => decremented.map(([k]) => k[i])),
  );
}
