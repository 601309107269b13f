import type { DataSource } from 'typeorm';
import type { MetricsService } from '../../metrics';
import type { WindowRequest } from '../../metrics/windows';
import { announce, sequencePending, withSequencerLock, type Queryable } from '../change-feed';
import { leavesOf, metricKey, type RuleWindow } from '../segments/segment-definition';
import { isMember, type MetricValues } from '../segments/segment-rules';
import type { SegmentStore } from '../segments/segment-store';
import { loadAccountStates } from './account-state';
import { stampViewSequences, writeMemberships, writeViews, type ViewRow } from './view-writes';

/**
 * Fills view fields another module computes (the signals helper's PQL and health scores), for
 * a set of accounts at once. Called inside the refresher's transaction.
 */
export type ViewScoreProvider = (
  tx: Queryable,
  accountIds: readonly string[],
  /** What touched each account (UPSERT, EVENTS, DAILY_SLIDE, ...). */
  causes?: ReadonlyMap<string, string>,
) => Promise<Map<string, { pqlScore?: number | null; healthScore?: number | null }>>;

/** The window `active_users` is read over for the view, as `Account.metric` reads it. */
export const ACTIVE_USERS_WINDOW = 'LAST_30_DAYS';

export type RefreshResult = {
  accounts: number;
  viewChanges: number;
  membershipChanges: number;
  newestSeq: string | null;
};

/** Which cause wins when several writes touched an account before one refresh. */
const CAUSE_PRIORITY = ['UPSERT', 'EVENTS', 'SEGMENT', 'THRESHOLD', 'DAILY_SLIDE', 'CREATED'];

export type ViewRefresherOptions = {
  /** Touch rows drained per transaction. Default 20,000. */
  batchSize?: number;
  /** Clock. Default `() => new Date()`. */
  now?: () => Date;
};

/**
 * The serialised step that turns touched accounts into views, segment memberships and changes:
 * under the sequencer lock, drain a batch of the touch queue, load those accounts' facts (one
 * statement), their metric values (one batched evaluation per metric and window), evaluate
 * every segment, write what differs (one statement each for views and memberships), and number
 * the changes. Only committed writes are visible to it, and it reads after they committed, so
 * two concurrent writers can never leave a view computed from a stale snapshot.
 */
export class ViewRefresher {
  private readonly providers: ViewScoreProvider[] = [];
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly segments: SegmentStore,
    options: ViewRefresherOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 20_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Adds a provider of view scores (see ViewScoreProvider). */
  addScoreProvider(provider: ViewScoreProvider): void {
    this.providers.push(provider);
  }

  /** Processes every touched account committed so far, and numbers every pending change. */
  async refresh(): Promise<RefreshResult> {
    const total: RefreshResult = {
      accounts: 0,
      viewChanges: 0,
      membershipChanges: 0,
      newestSeq: null,
    };
    for (;;) {
      const step = await withSequencerLock(this.dataSource, (tx) => this.refreshBatch(tx));
      total.accounts += step.accounts;
      total.viewChanges += step.viewChanges;
      total.membershipChanges += step.membershipChanges;
      total.newestSeq = step.newestSeq ?? total.newestSeq;
      if (!step.more) return total;
    }
  }

  /** Touches every account with `cause` (the daily slide, a new segment rule). */
  async touchAll(cause: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO account_view_touches (account_id, cause) SELECT id, $1 FROM accounts`,
      [cause],
    );
  }

  private async refreshBatch(tx: Queryable): Promise<RefreshResult & { more: boolean }> {
    const touches: Array<{ account_id: string; cause: string }> = await tx.query(
      `WITH drained AS (
         DELETE FROM account_view_touches WHERE id IN (
           SELECT id FROM account_view_touches ORDER BY id LIMIT $1)
         RETURNING account_id::text AS account_id, cause
       )
       SELECT * FROM drained`,
      [this.batchSize],
    );
    const causes = causesByAccount(touches);
    const ids = [...causes.keys()];
    const now = this.now();
    const states = await loadAccountStates(tx, ids, now);
    const evaluated = states.map((s) => ({
      accountId: s.accountId,
      cause: causes.get(s.accountId)!,
    }));
    const segments = await this.segments.current(tx as never);
    const metricValues = await this.metricValues(
      states.map((s) => s.accountId),
      segments.flatMap((s) => leavesOf(s.definition.rule)),
      now,
    );
    const members: Array<{ segment: string; accountId: string }> = [];
    const segmentsOf = new Map<string, string[]>();
    for (const state of states) {
      const names = segments
        .filter((s) => isMember(s.definition.rule, state.accountId, state, metricValues, now))
        .map((s) => s.name);
      segmentsOf.set(state.accountId, names);
      for (const segment of names) members.push({ segment, accountId: state.accountId });
    }
    const scores = await this.scores(tx, ids, causes);
    const activeUsers = metricValues.get(metricKey('active_users', ACTIVE_USERS_WINDOW));
    const rows: ViewRow[] = states.map((s) => ({
      account_id: s.accountId,
      cause: causes.get(s.accountId)!,
      plan_code: s.plan,
      mrr_minor: s.mrrMinor,
      currency: s.currency,
      seats: s.seats,
      active_users_30d: activeUsers?.get(s.accountId) ?? 0,
      last_seen_at: s.lastSeenAt?.toISOString() ?? null,
      health_score: scores.get(s.accountId)?.healthScore ?? null,
      pql_score: scores.get(s.accountId)?.pqlScore ?? null,
      segments: segmentsOf.get(s.accountId) ?? [],
      lifetime_revenue_minor: s.lifetimeRevenueMinor,
      is_test: s.isTest,
      is_deleted: s.isDeleted,
    }));
    const membershipChanges = await writeMemberships(tx, evaluated, members);
    const viewChanges = await writeViews(tx, rows);
    const [{ max }]: Array<{ max: string }> = await tx.query(
      `SELECT coalesce(max(seq), 0)::text AS max FROM change_feed`,
    );
    const newestSeq = await sequencePending(tx);
    if (newestSeq) {
      await stampViewSequences(tx, max);
      await announce(tx, newestSeq);
    }
    return {
      accounts: states.length,
      viewChanges,
      membershipChanges,
      newestSeq,
      more: touches.length === this.batchSize,
    };
  }

  /**
   * Every (metric, window) the segments read, plus active users over 30 days for the view,
   * each evaluated once for all the accounts (MetricsService.valuesForAccounts).
   */
  private async metricValues(
    accountIds: string[],
    leaves: ReturnType<typeof leavesOf>,
    now: Date,
  ): Promise<MetricValues> {
    const needed = new Map<string, { metric: string; window: RuleWindow }>();
    needed.set(metricKey('active_users', ACTIVE_USERS_WINDOW), {
      metric: 'active_users',
      window: ACTIVE_USERS_WINDOW,
    });
    for (const leaf of leaves) {
      if ('metric' in leaf) needed.set(metricKey(leaf.metric, leaf.window), leaf);
    }
    const values: MetricValues = new Map();
    if (!accountIds.length) return values;
    for (const [key, { metric, window }] of needed) {
      const result = await this.metrics.valuesForAccounts(
        metric,
        windowRequest(window, now),
        accountIds,
      );
      values.set(key, result.values);
    }
    return values;
  }

  private async scores(tx: Queryable, ids: string[], causes: ReadonlyMap<string, string>) {
    const merged = new Map<string, { pqlScore?: number | null; healthScore?: number | null }>();
    for (const provider of this.providers) {
      for (const [id, score] of await provider(tx, ids, causes)) {
        merged.set(id, { ...merged.get(id), ...score });
      }
    }
    return merged;
  }
}

/** A rule's window as the metrics engine takes it; `lastDays` ends with today (UTC). */
export function windowRequest(window: RuleWindow, now: Date): WindowRequest {
  if (typeof window === 'string') return { relative: window };
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return { from: new Date(tomorrow - window.lastDays * 86_400_000), to: new Date(tomorrow) };
}

function causesByAccount(touches: Array<{ account_id: string; cause: string }>) {
  const rank = (cause: string) => {
    const index = CAUSE_PRIORITY.indexOf(cause);
    return index < 0 ? CAUSE_PRIORITY.length : index;
  };
  const causes = new Map<string, string>();
  for (const { account_id, cause } of touches) {
    const known = causes.get(account_id);
    if (known === undefined || rank(cause) < rank(known)) causes.set(account_id, cause);
  }
  return causes;
}
