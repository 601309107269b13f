import type { DataSource } from 'typeorm';
import { KIND_TRAITS, TIER_PRIORITY, type PushTier } from './destination-kinds';
import type { DestinationRow } from './destination.service';
import type { AttemptOutcome } from './http-send';
import { collapseChanges, requestFor, type ChangeRow } from './payloads';
import type { Queryable } from './outbox';
import { newWebhookId } from './webhook-signing';

/** A deliveries row as the worker reads it. */
export type DeliveryRow = {
  id: string;
  destination_id: string;
  webhook_id: string;
  idempotency_key: string;
  type: string;
  status: 'PENDING' | 'DELIVERED' | 'DEAD';
  body: string;
  change_count: number;
  attempts: Array<{
    at: string;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
  }>;
  attempt_count: number;
  next_attempt_at: Date;
  caused_at: Date;
  created_at: Date;
  delivered_at: Date | null;
  latency_ms: number | null;
  last_error: string | null;
};

/** Changes turned into deliveries per round, so one round's transaction stays short. */
const CHANGES_PER_ROUND = 1000;

/**
 * (Re)schedules the destination's job. `replace` moves a waiting job to `runAt` (a retry, the
 * next batch); `preserve_run_at` only makes sure one exists. A running job is never touched:
 * graphile-worker then adds a second one, which waits for the queue.
 */
export async function scheduleDestinationJob(
  client: Queryable,
  destinationId: string,
  tier: PushTier,
  runAt: Date,
  mode: 'replace' | 'preserve_run_at',
): Promise<void> {
  await client.query(
    `SELECT graphile_worker.add_job('push_destination', json_build_object('destinationId', $1::text),
       queue_name := 'push:' || $1, job_key := 'push:' || $1, job_key_mode := $4,
       run_at := $2, priority := $3)`,
    [destinationId, runAt, TIER_PRIORITY[tier], mode],
  );
}

/** What a formation round found: the deliveries due now, oldest first, and what waits. */
export type Formed = {
  /** Pending deliveries in ledger order (older ones first, then those just formed), at most `limit`. */
  due: DeliveryRow[];
  /** A scheduled tier's next batch time, when changes wait for it. */
  waitUntil: Date | null;
  /** More changes wait than one round turns into deliveries. */
  more: boolean;
};

/** A destination as a job round reads it, with the changes waiting for it (oldest first). */
export type RoundStart = { destination: DestinationRow; changes: ChangeRow[] };

/**
 * The destination and up to a round's worth of its waiting changes, in one round trip (null if
 * the destination is gone). Only this destination's job (one at a time: its queue) assigns its
 * changes, so they stay unassigned until this job's formation statement.
 */
export async function startRound(
  dataSource: DataSource,
  destinationId: string,
): Promise<RoundStart | null> {
  const [row]: Array<DestinationRow & { waiting: Array<ChangeRow & { caused_ms: number }> }> =
    await dataSource.query(
      `SELECT d.*, COALESCE((
         SELECT jsonb_agg(to_jsonb(c) - 'ord' ORDER BY c.ord)
         FROM (SELECT id AS ord, id::text AS id, kind, type, idempotency_key,
             account_id::text AS account_id, collapse_key, old_value, new_value, data,
             extract(epoch FROM caused_at) * 1000 AS caused_ms
           FROM push_changes WHERE destination_id = d.id AND delivery_id IS NULL
           ORDER BY push_changes.id LIMIT ${CHANGES_PER_ROUND}) c), '[]') AS waiting
       FROM push_destinations d WHERE d.id = $1`,
      [destinationId],
    );
  if (!row) return null;
  const { waiting, ...destination } = row;
  const changes = waiting.map(({ caused_ms, ...change }) => ({
    ...change,
    caused_at: new Date(Number(caused_ms)),
  }));
  return { destination: destination as DestinationRow, changes };
}

/**
 * Turns the destination's waiting changes (read by `startRound`) into deliveries and returns the
 * deliveries due, in one statement: each delivery's body and webhook-id are fixed before its
 * first attempt, so retries, replays and a restart after a crash send the same message.
 * Scheduled tiers collect until their period has passed since the last batch, then collapse.
 * A round is then two round trips: the realtime path is mostly round trips.
 */
export async function formDeliveries(
  dataSource: DataSource,
  { destination, changes }: RoundStart,
  periodMs: number,
  limit: number,
  now = new Date(),
): Promise<Formed> {
  const scheduled = destination.tier !== 'REALTIME';
  if (scheduled && destination.last_batch_at) {
    const due = new Date(new Date(destination.last_batch_at).getTime() + periodMs);
    if (due > now)
      return {
        due: await pendingDeliveries(dataSource, destination.id, limit),
        waitUntil: changes.length > 0 ? due : null,
        more: false,
      };
  }
  if (changes.length === 0)
    return {
      due: await pendingDeliveries(dataSource, destination.id, limit),
      waitUntil: null,
      more: false,
    };
  const traits = KIND_TRAITS[destination.kind];
  const size = scheduled ? traits.batchSize : traits.realtimeBatchSize;
  const kept = scheduled ? collapseChanges(changes) : changes;
  const groups: Array<{ sent: ChangeRow[]; covered: string[]; webhookId: string }> = [];
  for (let i = 0; i < kept.length; i += size)
    groups.push({ sent: kept.slice(i, i + size), covered: [], webhookId: newWebhookId() });
  // Collapsed changes are covered by the delivery that carries their key's latest change.
  const groupOfId = new Map<string, number>();
  groups.forEach((g, index) => g.sent.forEach((c) => groupOfId.set(c.id, index)));
  const latestByKey = new Map(
    kept.filter((c) => c.collapse_key).map((c) => [c.collapse_key!, c.id]),
  );
  for (const change of changes) {
    const owner =
      groupOfId.get(change.id) ?? groupOfId.get(latestByKey.get(change.collapse_key!)!)!;
    groups[owner].covered.push(change.id);
  }
  const rows = groups.map(({ sent }) => {
    const request = requestFor(destination.kind, sent, scheduled);
    const causedAt = sent.reduce(
      (min, c) => (c.caused_at < min ? c.caused_at : min),
      sent[0].caused_at,
    );
    return { request, causedAt, count: sent.length };
  });
  // One statement is one transaction: the deliveries exist with their changes assigned, or
  // neither. Its snapshot does not see the rows it inserts, hence the UNION with them.
  const due: DeliveryRow[] = await dataSource.query(
    `WITH inserted AS (
       INSERT INTO deliveries (destination_id, webhook_id, idempotency_key, type, body, change_count, caused_at)
       SELECT $1, w, k, t, b, n, c
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[])
         WITH ORDINALITY AS x(w, k, t, b, n, c, ord)
       ORDER BY ord RETURNING *),
     assigned AS (
       UPDATE push_changes p SET delivery_id = i.id
       FROM unnest($8::bigint[], $9::text[]) AS m(change_id, webhook_id)
       JOIN inserted i ON i.webhook_id = m.webhook_id
       WHERE p.id = m.change_id),
     batched AS (
       UPDATE push_destinations SET last_batch_at = now() WHERE id = $1 AND $10::boolean)
     SELECT * FROM (
       (SELECT * FROM deliveries WHERE destination_id = $1 AND status = 'PENDING'
        ORDER BY id LIMIT ${Number(limit)})
       UNION ALL SELECT * FROM inserted) d
     ORDER BY id LIMIT ${Number(limit)}`,
    [
      destination.id,
      groups.map((g) => g.webhookId),
      rows.map((r) => r.request.idempotencyKey),
      rows.map((r) => r.request.type),
      rows.map((r) => r.request.body),
      rows.map((r) => r.count),
      rows.map((r) => r.causedAt),
      groups.flatMap((g) => g.covered),
      groups.flatMap((g) => g.covered.map(() => g.webhookId)),
      scheduled,
    ],
  );
  return { due, waitUntil: null, more: changes.length === CHANGES_PER_ROUND };
}

/** The oldest deliveries still to send, in order: deliveries go out one at a time. */
export async function pendingDeliveries(
  dataSource: DataSource,
  destinationId: string,
  limit: number,
): Promise<DeliveryRow[]> {
  return dataSource.query(
    `SELECT * FROM deliveries WHERE destination_id = $1 AND status = 'PENDING'
     ORDER BY id LIMIT ${Number(limit)}`,
    [destinationId],
  );
}

/** A successful attempt, as `recordDelivered` takes it. */
export type DeliveredAttempt = { delivery: DeliveryRow; outcome: AttemptOutcome };

/**
 * Records successful attempts, any number in one statement: each ledger row DELIVERED with
 * its attempt, its delivery time the moment the answer came (not when this runs), and the
 * destination no longer failing.
 */
export async function recordDelivered(
  client: Queryable,
  delivered: DeliveredAttempt[],
): Promise<void> {
  if (delivered.length === 0) return;
  await client.query(
    `WITH x AS (
       SELECT * FROM unnest($1::bigint[], $2::jsonb[], $3::timestamptz[]) AS x(id, attempt, answered_at)),
     delivered AS (
       UPDATE deliveries d SET attempts = d.attempts || jsonb_build_array(x.attempt),
         attempt_count = d.attempt_count + 1, last_error = NULL, status = 'DELIVERED',
         delivered_at = x.answered_at,
         latency_ms = greatest(0, round(extract(epoch FROM x.answered_at - d.caused_at) * 1000))
       FROM x WHERE d.id = x.id RETURNING d.destination_id)
     UPDATE push_destinations SET failing_since = NULL
     WHERE id IN (SELECT destination_id FROM delivered) AND failing_since IS NOT NULL`,
    [
      delivered.map((d) => d.delivery.id),
      delivered.map((d) => JSON.stringify(attemptJson(d.outcome))),
      delivered.map((d) => new Date(d.outcome.at.getTime() + d.outcome.durationMs)),
    ],
  );
}

function attemptJson(outcome: AttemptOutcome) {
  return {
    at: outcome.at.toISOString(),
    statusCode: outcome.statusCode,
    error: outcome.error,
    durationMs: outcome.durationMs,
  };
}

export type AttemptVerdict =
  | { result: 'delivered' }
  | { result: 'retry'; nextAttemptAt: Date }
  | { result: 'dead' }
  | { result: 'gone' };

/**
 * Records a failed attempt (retry, dead-lettered, or gone) and what follows from it, in one
 * transaction: the destination's failing-since time, and its disable with the reason.
 */
export async function recordFailedAttempt(
  dataSource: DataSource,
  delivery: DeliveryRow,
  outcome: AttemptOutcome,
  verdict: Exclude<AttemptVerdict, { result: 'delivered' }>,
  disableReason: string | null,
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `UPDATE deliveries SET
         attempts = attempts || jsonb_build_array($2::jsonb),
         attempt_count = attempt_count + 1,
         last_error = $3,
         status = $4,
         next_attempt_at = COALESCE($5, next_attempt_at)
       WHERE id = $1`,
      [
        delivery.id,
        JSON.stringify(attemptJson(outcome)),
        outcome.error,
        verdict.result === 'dead' ? 'DEAD' : 'PENDING',
        verdict.result === 'retry' ? verdict.nextAttemptAt : null,
      ],
    );
    await manager.query(
      `UPDATE push_destinations SET failing_since = COALESCE(failing_since, $2),
         enabled = enabled AND $3::text IS NULL,
         disabled_reason = COALESCE($3, disabled_reason),
         disabled_at = CASE WHEN $3::text IS NULL THEN disabled_at ELSE now() END,
         updated_at = now()
       WHERE id = $1`,
      [delivery.destination_id, outcome.at, disableReason],
    );
  });
}

/** Delays the destination's next request (a 429 or Retry-After answer slows every sender). */
export async function pushBackRateSlot(dataSource: DataSource, destinationId: string, until: Date) {
  await dataSource.query(
    `UPDATE push_destinations SET next_slot_at = greatest(next_slot_at, $2) WHERE id = $1`,
    [destinationId, until],
  );
}
