import type { DataSource } from 'typeorm';
import {
  toConnection,
  decodeCursor,
  assertPageSize,
  type Connection,
} from '../domain/shared/connection';
import { invalidInput, notFound } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { scheduleDestinationJob, type DeliveryRow } from './delivery-ledger';
import { DeliveryWorker } from './delivery-worker';
import { DestinationService, type DestinationRow } from './destination.service';
import type { Delivery, DeliveryStatus } from './destination.types';
import { EventSubscriptions } from './event-subscriptions';
import { createPushMetrics, type PushMetrics } from './push-metrics';
import type { PushOptions } from './push-options';
import { returnedRows } from './returned-rows';

/** Most deliveries one replayDeliveries call sends again. */
export const MAX_REPLAY = 10_000;

/** Destinations, the ledger and the worker of one process. */
export class PushService {
  readonly destinations: DestinationService;
  readonly eventSubscriptions: EventSubscriptions;
  readonly metrics: PushMetrics;
  readonly worker: DeliveryWorker;

  constructor(
    private readonly dataSource: DataSource,
    readonly options: PushOptions,
  ) {
    this.destinations = new DestinationService(dataSource, options);
    this.eventSubscriptions = new EventSubscriptions(dataSource);
    this.destinations.onChange(() => this.eventSubscriptions.invalidate());
    this.metrics = createPushMetrics(dataSource);
    this.worker = new DeliveryWorker(dataSource, options, this.metrics);
  }

  /** Starts the worker when this process runs one (HARMONY_PUSH_WORKER). */
  async start(logger: Logger): Promise<void> {
    if (this.options.worker) await this.worker.start(logger);
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** The ledger, newest first, optionally one destination's and one status. */
  async deliveries(
    args: {
      destination?: string | null;
      status?: DeliveryStatus | null;
      first: number;
      after?: string | null;
    },
    maxPageSize: number,
  ): Promise<Connection<Delivery>> {
    assertPageSize(args.first, maxPageSize);
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (args.destination) {
      params.push(this.assertId(args.destination, 'destination'));
      conditions.push(`destination_id = $${params.length}`);
    }
    if (args.status) {
      params.push(args.status);
      conditions.push(`status = $${params.length}`);
    }
    if (args.after) {
      params.push(decodeCursor(args.after));
      conditions.push(`id < $${params.length}`);
    }
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT * FROM deliveries ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT ${args.first + 1}`,
      params,
    );
    return toConnection(rows.map(toDelivery), args);
  }

  /** Sends a delivery again, with its webhook-id, whatever its status. */
  async replayDelivery(id: string): Promise<Delivery> {
    const rows = await this.replay(`id = $1`, [this.assertId(id, 'id')]);
    if (!rows[0]) throw notFound('delivery', id);
    return rows[0];
  }

  /** Sends again every delivery of the destination created since `since` (at most 10,000). */
  async replayDeliveries(destination: string, since: Date): Promise<number> {
    const destinationId = this.assertId(destination, 'destination');
    const rows = await this.replay(
      `id IN (SELECT id FROM deliveries WHERE destination_id = $1 AND created_at >= $2
              ORDER BY id LIMIT ${MAX_REPLAY})`,
      [destinationId, since],
    );
    return rows.length;
  }

  /** Marks deliveries pending again and wakes their destinations' jobs, in one transaction. */
  private replay(where: string, params: unknown[]): Promise<Delivery[]> {
    return this.dataSource.transaction(async (manager) => {
      const rows = returnedRows<DeliveryRow>(
        await manager.query(
          `UPDATE deliveries SET status = 'PENDING', next_attempt_at = now(), delivered_at = NULL, attempt_count = 0,
           latency_ms = NULL
         WHERE ${where} RETURNING *`,
          params,
        ),
      );
      const destinations: DestinationRow[] = await manager.query(
        `SELECT * FROM push_destinations WHERE id = ANY($1::bigint[])`,
        [[...new Set(rows.map((r) => r.destination_id))]],
      );
      for (const d of destinations)
        await scheduleDestinationJob(manager, d.id, d.tier, new Date(), 'replace');
      return rows.map(toDelivery);
    });
  }

  private assertId(id: string, field: string): string {
    if (!/^\d{1,18}$/.test(id)) throw invalidInput(field, `expected an id, got "${id}"`);
    return id;
  }
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: String(row.id),
    destinationId: String(row.destination_id),
    webhookId: row.webhook_id,
    idempotencyKey: row.idempotency_key,
    type: row.type,
    status: row.status,
    payload: JSON.parse(row.body),
    changeCount: row.change_count,
    attempts: row.attempts.map((a) => ({ ...a, at: new Date(a.at) })),
    lastError: row.last_error,
    nextAttemptAt: row.status === 'PENDING' ? row.next_attempt_at : null,
    causedAt: row.caused_at,
    deliveredAt: row.delivered_at,
    latencyMs: row.latency_ms,
  };
}
