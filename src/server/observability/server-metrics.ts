import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Services } from '../../context/services';

/** pg's Pool counters, read at scrape time. */
type PoolCounts = {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max: number };
};

/**
 * The Prometheus metrics of one server, in its own registry (several servers may share a
 * process in tests). Gauges read their value when scraped; nothing polls.
 */
/** Seconds; from a cached answer (5 ms) to a metric at its statement timeout (30 s). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createServerMetrics(services: Services) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const pool = () =>
    (services.dataSource.driver as PostgresDriver).master as PoolCounts | undefined;

  new Gauge({
    name: 'harmony_db_pool_connections',
    help: 'PostgreSQL pool connections by state (in_use, idle)',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = pool();
      this.set({ state: 'in_use' }, counts ? counts.totalCount - counts.idleCount : 0);
      this.set({ state: 'idle' }, counts?.idleCount ?? 0);
    },
  });
  new Gauge({
    name: 'harmony_db_pool_waiting',
    help: 'Requests waiting for a PostgreSQL connection (503 after HARMONY_DB_ACQUIRE_TIMEOUT_MS)',
    registers,
    collect() {
      this.set(pool()?.waitingCount ?? 0);
    },
  });
  new Gauge({
    name: 'harmony_db_pool_max',
    help: 'Size of the PostgreSQL pool (HARMONY_DB_POOL_SIZE)',
    registers,
    collect() {
      this.set(pool()?.options.max ?? 0);
    },
  });
  new Gauge({
    name: 'harmony_ingest_queued_messages',
    help: 'Messages waiting for the ingest writer (503 past HARMONY_INGEST_MAX_QUEUED_MESSAGES)',
    registers,
    collect() {
      this.set(services.ingest.queuedMessages);
    },
  });
  new Gauge({
    name: 'harmony_metric_statements',
    help: 'Metric statements by state (running, waiting for one of HARMONY_METRIC_CONCURRENCY slots)',
    labelNames: ['state'],
    registers,
    collect() {
      this.set({ state: 'running' }, services.metrics.statementSlots.running);
      this.set({ state: 'waiting' }, services.metrics.statementSlots.waiting);
    },
  });

  return {
    registry,
    httpDuration: new Histogram({
      name: 'harmony_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    graphqlDuration: new Histogram({
      name: 'harmony_graphql_operation_duration_seconds',
      help: 'GraphQL operations by operation name, type and outcome (ok, error)',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    ingestMessages: new Counter({
      name: 'harmony_ingest_messages_total',
      help: 'Ingested messages by outcome (stored, duplicate, rejected)',
      labelNames: ['outcome'],
      registers,
    }),
    ingestRejections: new Counter({
      name: 'harmony_ingest_rejections_total',
      help: 'Messages rejected one by one, by reason',
      labelNames: ['reason'],
      registers,
    }),
    errors: new Counter({
      name: 'harmony_errors_total',
      help: 'Errors answered, by code (GraphQL extensions.code or the HTTP error code)',
      labelNames: ['code'],
      registers,
    }),
  };
}

export type ServerMetrics = ReturnType<typeof createServerMetrics>;

/** Error codes and rejection reasons are closed sets; anything else is folded into `other`. */
export function boundedLabel(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z_]{1,40}$/.test(value) ? value : 'other';
}
