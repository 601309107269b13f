import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/** Seconds from a commit to its delivery: loopback realtime (10 ms) to a daily batch. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 60, 300, 3600, 86400];

export type PushMetrics = ReturnType<typeof createPushMetrics>;

/** Prometheus metrics of pushes, in their own registry (the server's /metrics merges it). */
export function createPushMetrics(dataSource: DataSource) {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    attempts: new Counter({
      name: 'harmony_push_attempts_total',
      help: 'Delivery attempts by outcome (delivered, retry, dead, gone)',
      labelNames: ['outcome'],
      registers,
    }),
    latency: new Histogram({
      name: 'harmony_push_delivery_latency_seconds',
      help: 'From the commit that caused a delivery to its successful delivery',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    oldestUndelivered: new Gauge({
      name: 'harmony_push_oldest_undelivered_age_seconds',
      help: 'Age of the oldest change not yet delivered to an enabled destination (0 when none)',
      registers,
      async collect() {
        const [row] = await dataSource.query(
          `SELECT COALESCE(extract(epoch FROM clock_timestamp() - min(caused_at)), 0)::float AS age
           FROM (
             SELECT min(d.caused_at) AS caused_at FROM deliveries d
               JOIN push_destinations p ON p.id = d.destination_id AND p.enabled
               WHERE d.status = 'PENDING'
             UNION ALL
             SELECT min(c.caused_at) FROM push_changes c
               JOIN push_destinations p ON p.id = c.destination_id AND p.enabled
               WHERE c.delivery_id IS NULL
           ) oldest`,
        );
        this.set(row.age);
      },
    }),
  };
}
