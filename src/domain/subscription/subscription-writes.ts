import type { EntityManager } from 'typeorm';
import type { BillingState, HistoryWrite, SubscriptionState } from './subscription-history';
import type { ValidSubscriptionInput } from './subscription.inputs';

/**
 * Set-based writes behind SubscriptionService.upsertMany: each function is one statement for
 * the whole batch, whatever its size. Values travel as one jsonb parameter.
 */

export type StoredSubscription = SubscriptionState & {
  id: string;
  externalId: string;
  accountId: string;
};

/** A subscription's row after the upsert, with the input it came from. */
export type SubscriptionWrite = {
  input: ValidSubscriptionInput;
  accountId: string;
  state: SubscriptionState;
};

/**
 * Reads and locks the stored subscriptions among `externalIds`, in external-id order: two
 * overlapping batches lock their common rows in the same order, so they wait, never deadlock.
 */
export async function lockStoredSubscriptions(
  manager: EntityManager,
  externalIds: string[],
): Promise<Map<string, StoredSubscription>> {
  const rows: Array<Record<string, any>> = await manager.query(
    `SELECT id, external_id, account_id, status_code, plan_id, seats, mrr_minor, currency,
       started_at, ended_at
     FROM subscriptions WHERE external_id = ANY($1::text[])
     ORDER BY external_id FOR UPDATE`,
    [externalIds],
  );
  return new Map(
    rows.map((row) => [
      row.external_id,
      {
        id: String(row.id),
        externalId: row.external_id,
        accountId: String(row.account_id),
        statusCode: row.status_code,
        planId: row.plan_id === null ? null : String(row.plan_id),
        seats: row.seats,
        mrrMinor: String(row.mrr_minor),
        currency: row.currency.trim(),
        startedAt: row.started_at,
        endedAt: row.ended_at,
      },
    ]),
  );
}

/** The row values of a write, as the jsonb the statements read. */
function rowOf(write: SubscriptionWrite) {
  const { input, state } = write;
  return {
    external_id: input.externalId,
    account_id: write.accountId,
    plan_id: state.planId,
    status_code: state.statusCode,
    seats: state.seats,
    mrr_minor: state.mrrMinor,
    currency: state.currency,
    started_at: state.startedAt.toISOString(),
    ended_at: state.endedAt?.toISOString() ?? null,
    set_period_end: input.currentPeriodEnd !== undefined,
    current_period_end: input.currentPeriodEnd?.toISOString() ?? null,
    set_canceled_at: input.canceledAt !== undefined,
    canceled_at: input.canceledAt?.toISOString() ?? null,
  };
}

const ROW_COLUMNS = `external_id text, account_id bigint, plan_id bigint, status_code text,
  seats integer, mrr_minor bigint, currency text, started_at timestamptz, ended_at timestamptz,
  set_period_end boolean, current_period_end timestamptz, set_canceled_at boolean,
  canceled_at timestamptz`;

/**
 * Inserts new subscriptions in external-id order. A row another transaction created since
 * the lock was taken is left alone (DO NOTHING) and missing from the result: the caller
 * processes it again as a stored one. Returns external id → id.
 */
export async function insertSubscriptions(
  manager: EntityManager,
  writes: SubscriptionWrite[],
  source: string,
): Promise<Map<string, string>> {
  if (writes.length === 0) return new Map();
  const rows: Array<{ id: string; external_id: string }> = await manager.query(
    `INSERT INTO subscriptions (id, external_id, account_id, plan_id, status_code, seats, mrr_minor,
       currency, started_at, current_period_end, canceled_at, ended_at, source)
     OVERRIDING SYSTEM VALUE
     SELECT r.id, r.external_id, r.account_id, r.plan_id, r.status_code, r.seats, r.mrr_minor,
       r.currency, r.started_at, r.current_period_end, r.canceled_at, r.ended_at, $2
     FROM (
       -- Ids in input order (the order lists show), rows inserted in key order (lock order).
       SELECT r.*, nextval(pg_get_serial_sequence('subscriptions', 'id')) AS id
       FROM jsonb_to_recordset($1::jsonb) AS r(${ROW_COLUMNS})
     ) r
     ORDER BY r.external_id
     ON CONFLICT (external_id) DO NOTHING
     RETURNING id, external_id`,
    [JSON.stringify(writes.map(rowOf)), source],
  );
  return new Map(rows.map((row) => [row.external_id, String(row.id)]));
}

/** Updates stored (already locked) subscriptions; period end and cancel time only if given. */
export async function updateSubscriptions(
  manager: EntityManager,
  writes: Array<SubscriptionWrite & { id: string }>,
): Promise<void> {
  if (writes.length === 0) return;
  await manager.query(
    `UPDATE subscriptions s SET plan_id = r.plan_id, status_code = r.status_code, seats = r.seats,
       mrr_minor = r.mrr_minor, currency = r.currency, started_at = r.started_at,
       ended_at = r.ended_at,
       current_period_end = CASE WHEN r.set_period_end THEN r.current_period_end ELSE s.current_period_end END,
       canceled_at = CASE WHEN r.set_canceled_at THEN r.canceled_at ELSE s.canceled_at END,
       deleted_at = NULL
     FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, ${ROW_COLUMNS})
     WHERE s.id = r.id`,
    [JSON.stringify(writes.map((write) => ({ id: write.id, ...rowOf(write) })))],
  );
}

/**
 * Applies the history writes of the whole batch: moved starts, moved ends (both on rows that
 * were there before), then new rows in the order planned, so ties keep the planned id order.
 */
export async function applyHistoryWrites(
  manager: EntityManager,
  planned: Array<{ subscriptionId: string; accountId: string; writes: HistoryWrite[] }>,
  source: string,
): Promise<void> {
  const moveStarts: Array<{ subscription_id: string; to_at: string }> = [];
  const moveEnds: Array<{ subscription_id: string; from_at: string; to_at: string }> = [];
  const inserts: Array<Record<string, unknown>> = [];
  for (const { subscriptionId, accountId, writes } of planned) {
    for (const write of writes) {
      if (write.kind === 'moveStart') {
        moveStarts.push({ subscription_id: subscriptionId, to_at: write.to.toISOString() });
      } else if (write.kind === 'moveEnd') {
        moveEnds.push({
          subscription_id: subscriptionId,
          from_at: write.from.toISOString(),
          to_at: write.to.toISOString(),
        });
      } else {
        inserts.push({
          n: inserts.length,
          ...historyRow(subscriptionId, accountId, write.effectiveAt, write.state),
        });
      }
    }
  }
  if (moveStarts.length) {
    await manager.query(
      `UPDATE subscription_history h SET effective_at = first.to_at
       FROM (
         SELECT DISTINCT ON (h.subscription_id) h.id, m.to_at
         FROM jsonb_to_recordset($1::jsonb) AS m(subscription_id bigint, to_at timestamptz)
         JOIN subscription_history h ON h.subscription_id = m.subscription_id
         ORDER BY h.subscription_id, h.effective_at, h.id
       ) first
       WHERE h.id = first.id`,
      [JSON.stringify(moveStarts)],
    );
  }
  if (moveEnds.length) {
    await manager.query(
      `UPDATE subscription_history h SET effective_at = m.to_at
       FROM jsonb_to_recordset($1::jsonb) AS m(subscription_id bigint, from_at timestamptz, to_at timestamptz)
       WHERE h.subscription_id = m.subscription_id AND h.effective_at = m.from_at
         AND h.status_code = 'CANCELED'`,
      [JSON.stringify(moveEnds)],
    );
  }
  if (inserts.length) {
    await manager.query(
      `INSERT INTO subscription_history
         (subscription_id, account_id, plan_id, status_code, seats, mrr_minor, currency, effective_at, source)
       SELECT r.subscription_id, r.account_id, r.plan_id, r.status_code, r.seats, r.mrr_minor,
         r.currency, r.effective_at, $2
       FROM jsonb_to_recordset($1::jsonb) AS r(n integer, subscription_id bigint,
         account_id bigint, plan_id bigint, status_code text, seats integer, mrr_minor bigint,
         currency text, effective_at timestamptz)
       ORDER BY r.n`,
      [JSON.stringify(inserts), source],
    );
  }
}

function historyRow(
  subscriptionId: string,
  accountId: string,
  effectiveAt: Date,
  state: BillingState,
): Record<string, unknown> {
  return {
    subscription_id: subscriptionId,
    account_id: accountId,
    plan_id: state.planId,
    status_code: state.statusCode,
    seats: state.seats,
    mrr_minor: state.mrrMinor,
    currency: state.currency,
    effective_at: effectiveAt.toISOString(),
  };
}
