import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { THRESHOLD_TOPIC, type ThresholdCrossing, type ThresholdState } from './threshold.service';

/** Most recent crossings Account.signals lists per account. */
export const MAX_RECENT_CROSSINGS = 100;

/** Current threshold states of a batch of accounts: one statement. */
export async function statesOfAccounts(
  dataSource: DataSource,
  accountIds: readonly string[],
): Promise<ThresholdState[]> {
  const rows: Array<{
    threshold: string;
    account_id: string;
    active: boolean;
    value: number;
    since: Date;
    evaluated_at: Date;
  }> = await dataSource.query(
    `SELECT threshold, account_id::text AS account_id, active, value, since, evaluated_at
     FROM threshold_states WHERE account_id = ANY($1::bigint[]) ORDER BY threshold`,
    [accountIds],
  );
  return rows.map((r) => ({
    threshold: r.threshold,
    accountId: r.account_id,
    active: r.active,
    value: r.value,
    since: r.since,
    evaluatedAt: r.evaluated_at,
  }));
}

/** The newest `limit` crossings of each account of a batch, newest first: one statement. */
export async function recentCrossingsOfAccounts(
  dataSource: DataSource,
  accountIds: readonly string[],
  limit: number,
): Promise<ThresholdCrossing[]> {
  const rows: Array<{
    seq: string;
    subject: string;
    account_id: string;
    cause: string;
    changes: Record<string, { old: unknown; new: unknown }>;
    recorded_at: Date;
  }> = await dataSource.query(
    `SELECT r.seq::text AS seq, r.subject, r.account_id::text AS account_id, r.cause, r.changes, r.recorded_at
     FROM unnest($1::bigint[]) AS a(id)
     CROSS JOIN LATERAL (
       SELECT * FROM change_feed c
       WHERE c.account_id = a.id AND c.topic = $2 AND c.seq IS NOT NULL
       ORDER BY c.seq DESC LIMIT $3
     ) r
     ORDER BY r.account_id, r.seq DESC`,
    [accountIds, THRESHOLD_TOPIC, limit],
  );
  return rows.map((r) => ({
    cursor: r.seq,
    threshold: r.subject,
    accountId: r.account_id,
    entered: r.changes.active?.new === true,
    value: Number(r.changes.value?.new),
    previousValue: r.changes.value?.old == null ? null : Number(r.changes.value.old),
    cause: r.cause,
    occurredAt: r.recorded_at,
  }));
}

/** Per-request loaders behind Account.signals and Account.pqlScore, batched over a page. */
export type SignalLoaders = {
  thresholdStates: DataLoader<string, ThresholdState[]>;
  recentCrossings: (limit: number) => DataLoader<string, ThresholdCrossing[]>;
};

/** Request contexts are per request: loaders hang off them and go away with them. */
const loadersByRequest = new WeakMap<object, SignalLoaders>();

export function signalLoadersOf(request: object, dataSource: DataSource): SignalLoaders {
  let loaders = loadersByRequest.get(request);
  if (!loaders) {
    const byLimit = new Map<number, DataLoader<string, ThresholdCrossing[]>>();
    loaders = {
      thresholdStates: new DataLoader(async (ids) => {
        const states = await statesOfAccounts(dataSource, ids);
        return ids.map((id) => states.filter((s) => s.accountId === id));
      }),
      recentCrossings: (limit) => {
        let loader = byLimit.get(limit);
        if (!loader) {
          loader = new DataLoader(async (ids) => {
            const crossings = await recentCrossingsOfAccounts(dataSource, ids, limit);
            return ids.map((id) => crossings.filter((c) => c.accountId === id));
          });
          byLimit.set(limit, loader);
        }
        return loader;
      },
    };
    loadersByRequest.set(request, loaders);
  }
  return loaders;
}
