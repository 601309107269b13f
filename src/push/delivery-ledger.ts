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

/**
 * Turns the destination's waiting changes into deliveries, in one transaction: each delivery's
 * body and webhook-id are fixed before its first attempt, so retries, replays and a restart
 * after a crash send the same message. Scheduled tiers collect until their period has passed
 * since the last batch, then collapse. Returns when the next batch is due if changes wait for it.
 */
export async function formDeliveries(
  dataSource: DataSource,
  destination: DestinationRow,
  periodMs: number,
  now = new Date(),
): Promise<{ waitUntil: Date | null; more: boolean }> {
  const scheduled = destination.tier !== 'REALTIME';
  if (scheduled && destination.last_batch_at) {
    const due = new Date(new Date(destination.last_batch_at).getTime() + periodMs);
    if (due > now) {
      const [waiting] = await dataSource.query(
        `SELECT 1 FROM push_changes WHERE destination_id = $1 AND delivery_id IS NULL LIMIT 1`,
        [destination.id],
      );
      return { waitUntil: waiting ? due : null, more: false };
    }
  }
  // Only this destination's job (one at a time: its queue) assigns its changes: no lock needed.
  const changes: ChangeRow[] = await dataSource.query(
    `SELECT id::text, kind, type, idempotency_key, account_id::text, collapse_key, old_value,
       new_value, data, caused_at
     FROM push_changes WHERE destination_id = $1 AND delivery_id IS NULL
     ORDER BY push_changes.id LIMIT ${CHANGES_PER_ROUND}`,
    [destination.id],
  );
  if (changes.length === 0) return { waitUntil: null, more: false };
  return dataSource.transaction(async (manager) => {
    const traits = KIND_TRAITS[destination.kind];
    const size = scheduled ? traits.batchSize : traits.realtimeBatchSize;
    const kept = scheduled ? collapseChanges(changes) : changes;
    const groups: Array<{ sent: ChangeRow[]; covered: string[] }> = [];
    for (let i = 0; i < kept.length; i += size)
      groups.push({ sent: kept.slice(i, i + size), covered: [] });
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
      return { webhookId: newWebhookId(), request, causedAt, count: sent.length };
    });
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO deliveries (destination_id, webhook_id, idempotency_key, type, body, change_count, caused_at)
       SELECT $1, w, k, t, b, n, c
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[])
         WITH ORDINALITY AS x(w, k, t, b, n, c, ord)
       ORDER BY ord RETURNING id::text`,
      [
        destination.id,
        rows.map((r) => r.webhookId),
        rows.map((r) => r.request.idempotencyKey),
        rows.map((r) => r.request.type),
        rows.map((r) => r.request.body),
        rows.map((r) => r.count),
        rows.map((r) => r.causedAt),
      ],
    );
    await manager.query(
      `UPDATE push_changes p SET delivery_id = x.delivery_id
       FROM unnest($1::bigint[], $2::bigint[]) AS x(change_id, delivery_id)
       WHERE p.id = x.change_id`,
      [
        groups.flatMap((g) => g.covered),
        groups.flatMap((g, index) => g.covered.map(() => inserted[index].id)),
      ],
    );
    if (scheduled)
      await manager.query(`UPDATE push_destinations SET last_batch_at = now() WHERE id = $1`, [
        destination.id,
      ]);
    return { waitUntil: null, more: changes.length === CHANGES_PER_ROUND };
  });
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

export type AttemptVerdict =
  | { result: 'delivered' }
  | { result: 'retry'; nextAttemptAt: Date }
  | { result: 'dead' }
  | { result: 'gone' };

/** Records an attempt and what follows from it, in one transaction. */
export async function recordAttempt(
  dataSource: DataSource,
  delivery: DeliveryRow,
  outcome: AttemptOutcome,
  verdict: AttemptVerdict,
  disableReason: string | null,
): Promise<void> {
  const attempt = {
    at: outcome.at.toISOString(),
    statusCode: outcome.statusCode,
    error: outcome.error,
    durationMs: outcome.durationMs,
  };
  const status =
    verdict.result === 'delivered' ? 'DELIVERED' : verdict.result === 'dead' ? 'DEAD' : 'PENDING';
  if (status === 'DELIVERED') {
    // The common case in one statement: the ledger row, and the destination no longer failing.
    await dataSource.query(
      `WITH delivered AS (
         UPDATE deliveries SET attempts = attempts || jsonb_build_array($2::jsonb),
           attempt_count = attempt_count + 1, last_error = NULL, status = 'DELIVERED',
           delivered_at = clock_timestamp(),
           latency_ms = round(extract(epoch FROM clock_timestamp() - caused_at) * 1000)
         WHERE id = $1 RETURNING destination_id)
       UPDATE push_destinations SET failing_since = NULL
       WHERE id = (SELECT destination_id FROM delivered) AND failing_since IS NOT NULL`,
      [delivery.id, JSON.stringify(attempt)],
    );
    return;
  }
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `UPDATE deliveries SET
         attempts = attempts || jsonb_build_array($2::jsonb),
         attempt_count = attempt_count + 1,
         last_error = $3,
         status = $4,
         next_attempt_at = COALESCE($5, next_attempt_at),
         delivered_at = CASE WHEN $4 = 'DELIVERED' THEN clock_timestamp() END,
         latency_ms = CASE WHEN $4 = 'DELIVERED'
           THEN round(extract(epoch FROM clock_timestamp() - caused_at) * 1000) END
       WHERE id = $1`,
      [
        delivery.id,
        JSON.stringify(attempt),
        outcome.error,
        verdict.result === 'delivered'
          ? 'DELIVERED'
          : verdict.result === 'dead'
            ? 'DEAD'
            : 'PENDING',
        verdict.result === 'retry' ? verdict.nextAttemptAt : null,
      ],
    );
    if (verdict.result === 'delivered') {
      await manager.query(
        `UPDATE push_destinations SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`,
        [delivery.destination_id],
      );
    } else {
      await manager.query(
        `UPDATE push_destinations SET failing_since = COALESCE(failing_since, $2),
           enabled = enabled AND $3::text IS NULL,
           disabled_reason = COALESCE($3, disabled_reason),
           disabled_at = CASE WHEN $3::text IS NULL THEN disabled_at ELSE now() END,
           updated_at = now()
         WHERE id = $1`,
        [delivery.destination_id, outcome.at, disableReason],
      );
    }
  });
}

/** Delays the destination's next request (a 429 or Retry-After answer slows every sender). */
export async function pushBackRateSlot(dataSource: DataSource, destinationId: string, until: Date) {
  await dataSource.query(
    `UPDATE push_destinations SET next_slot_at = greatest(next_slot_at, $2) WHERE id = $1`,
    [destinationId, until],
  );
}
