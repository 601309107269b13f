import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { Logger } from '../shared/logger';
import { KIND_TRAITS } from './destination-kinds';
import { rateLimitOf, signingSecretsOf, type DestinationRow } from './destination.service';
import { DeliveredRecorder } from './delivered-recorder';
import {
  formDeliveries,
  pushBackRateSlot,
  recordFailedAttempt,
  startRound,
  scheduleDestinationJob,
  type AttemptVerdict,
  type DeliveryRow,
} from './delivery-ledger';
import { sendSigned, type AttemptOutcome } from './http-send';
import type { PushMetrics } from './push-metrics';
import type { PushOptions } from './push-options';
import { markRequestSent, reserveRequestSlot } from './rate-budget';
import { nextAttemptDelayMs } from './retry-schedule';

/** A job holds its destination's queue at most about this long, then yields and requeues. */
const MAX_JOB_MS = 30_000;

/** Statuses that mean "slow down" whatever the kind. */
const SLOW_DOWN = new Set([429, 502, 503, 504]);

export type DestinationJobDeps = {
  dataSource: DataSource;
  options: PushOptions;
  logger: Logger;
  metrics: PushMetrics;
};

/**
 * The job of one destination: turn waiting changes into deliveries and send them oldest
 * first, until none is due. A failed delivery stops the line (order is kept) and the job comes
 * back when its retry is due. Everything it decides is committed before the next request, so
 * a crash at any point re-sends at most the request in flight, with the same webhook-id.
 */
export async function runDestinationJob(
  destinationId: string,
  deps: DestinationJobDeps,
): Promise<void> {
  const { dataSource, options } = deps;
  const stopAt = Date.now() + MAX_JOB_MS;
  const recorder = new DeliveredRecorder(dataSource);
  for (;;) {
    const round = await startRound(dataSource, destinationId);
    if (!round || !round.destination.enabled) return;
    const { destination } = round;
    const reschedule = (at: Date) =>
      scheduleDestinationJob(dataSource, destinationId, destination.tier, at, 'replace');
    const { due, waitUntil, more } = await formDeliveries(
      dataSource,
      round,
      options.tierPeriodsMs[destination.tier],
      DELIVERIES_PER_ROUND,
    );
    if (due.length === 0) {
      if (more) continue;
      if (waitUntil) await reschedule(waitUntil);
      return;
    }
    // Successes are recorded while the next deliveries are sent (src/push/delivered-recorder.ts);
    // every write is done before the job decides anything else. A crash in between re-sends a
    // delivered request, with its webhook-id: at least once.
    for (const delivery of due) {
      if (new Date(delivery.next_attempt_at) > new Date()) {
        await recorder.flush();
        return reschedule(new Date(delivery.next_attempt_at));
      }
      if (Date.now() > stopAt) {
        await recorder.flush();
        return reschedule(new Date());
      }
      const verdict = await attempt(destination, delivery, deps, recorder);
      if (verdict.result === 'delivered') continue;
      if (verdict.result === 'retry') return reschedule(verdict.nextAttemptAt);
      if (verdict.result === 'gone') return;
    }
    await recorder.flush();
  }
}

/** Deliveries sent per round before the destination is read again (a disable takes effect). */
const DELIVERIES_PER_ROUND = 100;

/**
 * One attempt at the head delivery, within the destination's rate budget. A success is handed
 * to the recorder; a failure is recorded (after every earlier success) before this returns.
 */
async function attempt(
  destination: DestinationRow,
  delivery: DeliveryRow,
  { dataSource, options, logger, metrics }: DestinationJobDeps,
  recorder: DeliveredRecorder,
): Promise<AttemptVerdict> {
  const limit = rateLimitOf(destination);
  if (limit) {
    const slot = await reserveRequestSlot(dataSource, destination.id, limit);
    const wait = slot.getTime() - Date.now();
    if (wait > 0) await sleep(wait);
    await markRequestSent(dataSource, destination.id, limit);
  }
  const outcome = await sendSigned({
    url: destination.url,
    method: destination.kind === 'SALESFORCE' ? 'PATCH' : 'POST',
    webhookId: delivery.webhook_id,
    idempotencyKey: delivery.idempotency_key,
    body: delivery.body,
    secrets: signingSecretsOf(destination),
    timeoutMs: options.requestTimeoutMs,
  });
  const { verdict, disableReason } = judge(destination, delivery, outcome, options);
  metrics.attempts.inc({ outcome: verdict.result });
  if (verdict.result === 'delivered') {
    recorder.add({ delivery, outcome });
    metrics.latency.observe((Date.now() - new Date(delivery.caused_at).getTime()) / 1000);
    return verdict;
  }
  if (verdict.result === 'retry' && outcome.retryAfterMs !== null)
    await pushBackRateSlot(dataSource, destination.id, verdict.nextAttemptAt);
  await recorder.flush();
  await recordFailedAttempt(dataSource, delivery, outcome, verdict, disableReason);
  if (disableReason)
    logger.warn(
      { destination: destination.name, reason: disableReason },
      'push destination disabled',
    );
  else if (verdict.result === 'dead')
    logger.warn(
      { destination: destination.name, delivery: delivery.id, error: outcome.error },
      'delivery dead-lettered',
    );
  return verdict;
}

/** What an attempt's answer means: delivered, retry later, dead-lettered or gone (410). */
function judge(
  destination: DestinationRow,
  delivery: DeliveryRow,
  outcome: AttemptOutcome,
  options: PushOptions,
): { verdict: AttemptVerdict; disableReason: string | null } {
  const status = outcome.statusCode;
  if (status !== null && status >= 200 && status < 300)
    return { verdict: { result: 'delivered' }, disableReason: null };
  if (status === 410)
    return {
      verdict: { result: 'gone' },
      disableReason: `the destination answered 410 Gone at ${outcome.at.toISOString()}`,
    };
  const failingSince = destination.failing_since ? new Date(destination.failing_since) : outcome.at;
  if (outcome.at.getTime() - failingSince.getTime() >= options.disableAfterFailingMs)
    return {
      verdict: { result: 'gone' },
      disableReason: `every attempt failed since ${failingSince.toISOString()} (last: ${outcome.error})`,
    };
  const slowDown =
    status !== null &&
    (SLOW_DOWN.has(status) ||
      KIND_TRAITS[destination.kind].isRateLimited(status, outcome.responseText));
  const delay = nextAttemptDelayMs(
    options.retryScheduleMs,
    delivery.attempt_count + 1,
    slowDown ? outcome.retryAfterMs : null,
  );
  if (delay === null) return { verdict: { result: 'dead' }, disableReason: null };
  return {
    verdict: { result: 'retry', nextAttemptAt: new Date(Date.now() + delay) },
    disableReason: null,
  };
}
