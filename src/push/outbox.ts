import type { SubscriptionKind } from './destination-kinds';

/**
 * One change that destinations may subscribe to. Producers (ingestion, the change feed, segments,
 * thresholds) describe what changed; the outbox matches it against every enabled destination's
 * subscriptions, in SQL, in the producer's transaction.
 */
export type PushChange = {
  kind: SubscriptionKind;
  /**
   * What the change is about, matched against subscriptions: EVENT the event definition id,
   * SEGMENT the segment key, THRESHOLD the threshold name, ACCOUNT_VIEW the field name.
   */
  subject: string;
  /** EVENT: the event name as sent, matched against subscriptions to a key not yet defined. */
  eventKey?: string | null;
  /** The message type in the body, e.g. `event.tracked`, `segment.entered`. */
  type: string;
  /**
   * Stable across retries and replays, built from what changed: `event:<messageId>`,
   * `account:<id>:<field>:<change sequence>`. Receivers drop duplicates by it.
   */
  idempotencyKey: string;
  accountId?: string | null;
  /**
   * Scheduled tiers keep only the latest change per collapse key (e.g. `<account>:<field>`),
   * with the first old value. Null: never collapsed (events).
   */
  collapseKey?: string | null;
  oldValue?: unknown;
  newValue?: unknown;
  /** The body's `data`; the account's externalId is added when `accountId` is set. */
  data: Record<string, unknown>;
};

/** Something that runs SQL in the producer's transaction: a pg client, a query runner. */
export type Queryable = { query(text: string, params?: unknown[]): Promise<unknown> };

/** Most changes one statement carries; producers with more call again. */
export const MAX_CHANGES_PER_STATEMENT = 10_000;

/**
 * Enqueues changes in the caller's transaction: a push_changes row per (change, subscribed
 * destination) and one graphile-worker job per destination touched, through its SQL `add_job`,
 * so the push commits or rolls back with the change. Use it inside the producer's transaction:
 * `await enqueueChanges(client, [change])`.
 */
export async function enqueueChanges(client: Queryable, changes: PushChange[]): Promise<void> {
  const statement = enqueueChangesStatement(changes);
  if (statement) await client.query(statement);
}

/** One change; see `enqueueChanges`. */
export function enqueueChange(client: Queryable, change: PushChange): Promise<void> {
  return enqueueChanges(client, [change]);
}

/**
 * The enqueue as parameterless SQL (null when there is nothing to enqueue): JIT off for the
 * transaction (`WITHOUT_JIT`), then the enqueue statement, for callers that send it with other
 * statements in one message (ingestion sends it with COMMIT).
 */
export function enqueueChangesStatement(changes: PushChange[]): string | null {
  if (changes.length === 0) return null;
  if (changes.length > MAX_CHANGES_PER_STATEMENT)
    throw new Error(
      `at most ${MAX_CHANGES_PER_STATEMENT} changes per enqueue, got ${changes.length}`,
    );
  const rows = changes.map((c, ord) => ({
    ord,
    kind: c.kind,
    subject: c.subject,
    event_key: c.eventKey ?? null,
    type: c.type,
    idempotency_key: c.idempotencyKey,
    account_id: c.accountId ?? null,
    collapse_key: c.collapseKey ?? null,
    old_value: c.oldValue === undefined ? null : c.oldValue,
    new_value: c.newValue === undefined ? null : c.newValue,
    data: c.data,
  }));
  return `${WITHOUT_JIT};
${enqueueFrom(
  `SELECT * FROM jsonb_to_recordset(${literal(JSON.stringify(rows))}::jsonb) AS c(
        ord int, kind text, subject text, event_key text, type text, idempotency_key text,
        account_id bigint, collapse_key text, old_value jsonb, new_value jsonb, data jsonb)`,
)}`;
}

/**
 * Switches JIT off for the rest of the transaction; run before an enqueue statement. The planner
 * prices the subscription match (a jsonb_array_elements per destination and change) in the
 * millions, far above the JIT threshold even for one change, and compiling it with inlining and
 * optimisation makes every commit that carries a push (and so the push) tens of ms late on a
 * quiet machine, ~650 ms on a busy one (bench:push: commit → delivery formed, p50 = p99).
 */
export const WITHOUT_JIT = `SELECT set_config('jit', 'off', true)`;

/**
 * The enqueue statement over any source of changes (run `WITHOUT_JIT` first, in the same
 * transaction): a SELECT with the columns ord, kind,
 * subject, event_key, type, idempotency_key, account_id, collapse_key, old_value, new_value,
 * data. A subscription's `segment` on a kind other than SEGMENT keeps only changes of accounts
 * in that segment.
 */
export function enqueueFrom(changeSource: string): string {
  return `WITH change AS (${changeSource}), queued AS (
      INSERT INTO push_changes (destination_id, kind, type, idempotency_key, account_id,
        collapse_key, old_value, new_value, data)
      SELECT d.id, c.kind, c.type, c.idempotency_key, c.account_id, c.collapse_key,
        c.old_value, c.new_value,
        CASE WHEN a.id IS NULL THEN c.data
          ELSE c.data || jsonb_build_object('accountExternalId', a.external_id) END
      FROM change c
      JOIN push_destinations d ON d.enabled
      LEFT JOIN accounts a ON a.id = c.account_id
      WHERE EXISTS (
        SELECT 1 FROM jsonb_array_elements(d.subscriptions) s
        WHERE s->>'kind' = c.kind AND CASE c.kind
          WHEN 'EVENT' THEN s->>'eventDefinitionId' = c.subject OR s->>'event' = c.event_key
          WHEN 'SEGMENT' THEN s->>'segment' = c.subject
          WHEN 'THRESHOLD' THEN s->>'threshold' = c.subject
          ELSE jsonb_typeof(s->'fields') IS DISTINCT FROM 'array' OR s->'fields' ? c.subject
        END
        AND (c.kind = 'SEGMENT' OR s->>'segment' IS NULL OR EXISTS (
          SELECT 1 FROM segment_members m
          WHERE m.segment = s->>'segment' AND m.account_id = c.account_id)))
      ORDER BY c.ord, d.id
      RETURNING destination_id
    )
    SELECT count(${ADD_JOB_CALL}) AS jobs
    FROM (SELECT DISTINCT destination_id FROM queued) q
    JOIN push_destinations d ON d.id = q.destination_id`;
}

/**
 * One job per destination, keyed by it: a job already waiting absorbs new changes (its run time
 * kept: a scheduled retry or batch is not brought forward), and one named queue per destination
 * runs its jobs one at a time, in order.
 */
const ADD_JOB_CALL = `graphile_worker.add_job('push_destination',
      json_build_object('destinationId', d.id::text), queue_name := 'push:' || d.id,
      job_key := 'push:' || d.id, job_key_mode := 'preserve_run_at',
      priority := CASE d.tier WHEN 'REALTIME' THEN 0 WHEN 'NEAR_REALTIME' THEN 10
        WHEN 'HOURLY' THEN 20 ELSE 30 END)`;

/** A string as an SQL literal (standard_conforming_strings on, PostgreSQL's default). */
function literal(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
