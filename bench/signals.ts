/**
 * `npm run bench:signals`: 5,000 accounts (4 users each, subscriptions with history, 60 days of
 * events), the 3 shipped segments plus 7 more, then a stream of subscription changes and event
 * batches through the running server. Prints, in one run:
 * - the time from a committed write to its recorded (numbered, readable) change, p50/p99, per
 *   kind of write (API writes notify at commit; event batches are found by the pump's poll);
 * - the daily re-evaluation of every account (views and 10 segments) against recomputing the
 *   view columns from scratch with one SQL statement per column, and the ratio.
 *
 * Options (environment): BENCH_ACCOUNTS (5000), BENCH_WRITES (400), BENCH_ADMIN_URL.
 */
import 'reflect-metadata';
import os from 'node:os';
import { Client } from 'pg';
import { loadConfig } from '../src/config/config';
import { createDataSource } from '../src/db/data-source';
import { rebuildActivityRollups } from '../src/metrics/rollup-rebuild';
import { createServer } from '../src/server/app';
import { createServices } from '../src/server/services';
import { createLogger } from '../src/shared/logger';
import { entities } from '../src/domain/entities';
import { CHANGE_FEED_CHANNEL, readChanges } from '../src/signals';
import { computeViewsFromScratch } from '../src/signals/account-views/from-scratch';
import { withAdmin, withDatabase } from './bench-database';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5_000);
const WRITES = Number(process.env.BENCH_WRITES ?? 400);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const EXTRA_SEGMENTS = [
  { name: 'software', rule: { attribute: 'industry', equals: 'Software' } },
  {
    name: 'mid_market',
    rule: {
      all: [
        { attribute: 'employeeCount', gte: 200 },
        { attribute: 'employeeCount', lt: 1000 },
      ],
    },
  },
  { name: 'big_spenders', rule: { spend: 'mrr', gte: 1000 } },
  { name: 'loyal', rule: { all: [{ paying: true }, { tenure: 'firstPaid', gte: 365 }] } },
  { name: 'busy_week', rule: { metric: 'active_users', window: 'LAST_7_DAYS', gte: 3 } },
  {
    name: 'quiet_payers',
    rule: {
      all: [{ paying: true }, { not: { metric: 'active_users', window: 'LAST_30_DAYS', gte: 1 } }],
    },
  },
  {
    name: 'growth_or_pro',
    rule: {
      any: [
        { attribute: 'plan', in: ['growth', 'pro'] },
        { attribute: 'traits.tier', equals: 'gold' },
      ],
    },
  },
];

async function main(): Promise<void> {
  const databaseName = `harmony_bench_signals_${process.pid}`;
  const databaseUrl = withDatabase(ADMIN_URL, databaseName);
  await withAdmin(ADMIN_URL, (admin) => admin.query(`CREATE DATABASE ${databaseName}`));
  try {
    const dataSource = createDataSource({
      url: databaseUrl,
      statementTimeoutMs: 120_000,
      poolSize: 12,
      entities,
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    process.stderr.write(`loading ${ACCOUNTS} accounts...\n`);
    await loadData(dataSource);
    const config = {
      ...loadConfig({ NODE_ENV: 'production', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }),
    };
    const services = createServices(dataSource, config);
    await services.signals.ensureCatalog();
    process.stderr.write(`initial build of the views and the 3 shipped segments...\n`);
    let started = performance.now();
    await services.signals.refresher.refresh();
    const initialMs = performance.now() - started;
    for (const definition of EXTRA_SEGMENTS) {
      await services.signals.define({ definition }, 'bench', 'bench');
    }
    const segmentCount = (await services.signals.list()).length;

    // Daily re-evaluation vs from scratch, same data, same run.
    started = performance.now();
    await services.signals.refresher.touchAll('DAILY_SLIDE');
    const daily = await services.signals.refresher.refresh();
    const dailyMs = performance.now() - started;
    const scratch = await computeViewsFromScratch(dataSource, new Date());
    const scratchMs = Object.values(scratch.timings).reduce((a, b) => a + b, 0);

    const server = await createServer(services, createLogger('warn'));
    const port = await server.listen(0, '127.0.0.1');
    const { key } = await services.apiKeys.create('bench', ['ingest']);
    const latencies = await streamWrites(dataSource, databaseUrl, services, port, key);
    await server.close();
    const [{ server_version: postgresVersion }] = await dataSource.query(`SHOW server_version`);
    const [{ changes }] = await dataSource.query(
      `SELECT count(*)::int AS changes FROM change_feed`,
    );
    await dataSource.destroy();

    const line = (name: string, values: number[]) =>
      `${name}: ${values.length} writes, p50 ${percentile(values, 0.5).toFixed(1)} ms, p99 ${percentile(values, 0.99).toFixed(1)} ms`;
    process.stdout.write(
      [
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, PostgreSQL ${postgresVersion}`,
        `accounts: ${ACCOUNTS}, segments: ${segmentCount}, change-feed rows at the end: ${changes}`,
        `initial build (views + 3 shipped segments of every account): ${initialMs.toFixed(0)} ms`,
        line('committed write → recorded change, subscription upserts (NOTIFY)', latencies.upsert),
        line('committed write → recorded change, event batches (poll 250 ms)', latencies.events),
        `daily re-evaluation of every account (${daily.accounts} accounts, views + ${segmentCount} segments, ${daily.viewChanges} view changes): ${dailyMs.toFixed(0)} ms`,
        `from scratch, one statement per view column (${Object.entries(scratch.timings)
          .map(([c, ms]) => `${c} ${ms.toFixed(0)}`)
          .join(', ')}): ${scratchMs.toFixed(0)} ms`,
        `daily re-evaluation / from-scratch ratio: ${(dailyMs / scratchMs).toFixed(2)}`,
      ].join('\n') + '\n',
    );
  } finally {
    await withAdmin(ADMIN_URL, (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`),
    );
  }
}

/** Accounts, users, memberships, plans, subscriptions with history and 60 days of events. */
async function loadData(dataSource: import('typeorm').DataSource): Promise<void> {
  await dataSource.query(`
    INSERT INTO plans (code, name, interval, price_minor, is_paid) VALUES
      ('free', 'Free', 'MONTH', 0, false), ('starter', 'Starter', 'MONTH', 4900, true),
      ('growth', 'Growth', 'MONTH', 19900, true), ('pro', 'Pro', 'MONTH', 99900, true);
    INSERT INTO accounts (external_id, name, industry, employee_count, traits, is_test, created_at)
    SELECT 'acc-' || n, 'Account ' || n,
      (ARRAY['Software','Retail','Finance','Health','Media'])[1 + n % 5],
      (ARRAY[5, 40, 300, 1500, 8000])[1 + (n / 5) % 5],
      jsonb_build_object('tier', (ARRAY['gold','silver','bronze'])[1 + n % 3]),
      n % 50 = 0, now() - (n % 700) * interval '1 day'
    FROM generate_series(1, ${ACCOUNTS}) n;
    INSERT INTO users (external_id, email)
    SELECT 'user-' || n, 'user' || n || '@bench.test' FROM generate_series(1, ${ACCOUNTS * 4}) n;
    INSERT INTO memberships (account_id, user_id, role_code)
    SELECT 1 + (u.id - 1) / 4, u.id, CASE WHEN u.id % 4 = 1 THEN 'ADMINISTRATOR' ELSE 'MEMBER' END
    FROM users u;
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, seats, mrr_minor, started_at)
    SELECT 'sub-' || a.id, a.id, p.id, 'ACTIVE', 1 + a.id % 20, p.price_minor * (1 + a.id % 3),
      now() - (a.id % 600) * interval '1 day'
    FROM accounts a JOIN plans p ON p.code = (ARRAY['free','starter','growth','pro'])[1 + a.id % 4];
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, seats, mrr_minor, currency, effective_at)
    SELECT id, account_id, plan_id, status_code, seats, mrr_minor, currency, started_at FROM subscriptions;
    INSERT INTO event_definitions (key, display_name) VALUES ('Report Viewed', 'Report Viewed');
    INSERT INTO event_definition_aliases (alias, definition_id)
    SELECT key, id FROM event_definitions WHERE key = 'Report Viewed';
    INSERT INTO events (definition_id, type, user_id, account_id, occurred_at, received_at, message_id)
    SELECT (SELECT id FROM event_definitions WHERE key = 'Report Viewed'), 'track',
      1 + (n * 7919) % ${ACCOUNTS * 4}, 1 + ((n * 7919) % ${ACCOUNTS * 4}) / 4,
      now() - ((n * 31) % (60 * 24)) * interval '1 hour', now(), 'seed-' || n
    FROM generate_series(1, ${ACCOUNTS * 40}) n;
  `);
  await rebuildActivityRollups(dataSource);
  await dataSource.query(`UPDATE accounts a SET last_seen_at = e.at FROM (
    SELECT account_id, max(occurred_at) AS at FROM events GROUP BY account_id) e WHERE e.account_id = a.id`);
  await dataSource.query(`ANALYZE`);
}

/**
 * Alternates subscription MRR changes (through SubscriptionService, as the API writes) and event
 * batches from a new user (through /v1/batch), a few at a time; a LISTEN on the change feed reads
 * each new change and matches it to the write's commit time.
 */
async function streamWrites(
  dataSource: import('typeorm').DataSource,
  databaseUrl: string,
  services: ReturnType<typeof createServices>,
  port: number,
  key: string,
) {
  const pending = new Map<string, { at: number; kind: 'upsert' | 'events' }>();
  const latencies = { upsert: [] as number[], events: [] as number[] };
  const [{ max }] = await dataSource.query(
    `SELECT coalesce(max(seq), 0)::text AS max FROM change_feed`,
  );
  let cursor: string = max;
  const listener = new Client({ connectionString: databaseUrl });
  await listener.connect();
  let reading = Promise.resolve();
  const readNew = () => {
    reading = reading.then(async () => {
      for (;;) {
        const rows = await readChanges(dataSource, {
          after: cursor,
          first: 500,
          topic: 'account_view',
        });
        const now = performance.now();
        for (const row of rows) {
          const write = pending.get(row.accountId!);
          if (write) {
            latencies[write.kind].push(now - write.at);
            pending.delete(row.accountId!);
          }
        }
        if (rows.length) cursor = rows.at(-1)!.seq;
        if (rows.length < 500) return;
      }
    });
  };
  listener.on('notification', readNew);
  await listener.query(`LISTEN ${CHANGE_FEED_CHANNEL}`);
  const ids: Array<{ id: string; external_id: string }> = await dataSource.query(
    // Not test accounts (out of metrics), not the free plan's (an MRR change moves nothing).
    `SELECT id::text, external_id FROM accounts WHERE NOT is_test AND id % 4 <> 0 ORDER BY id`,
  );
  for (let i = 0; i < WRITES; i++) {
    const account = ids[(i * 37) % ids.length];
    if (pending.has(account.id)) continue;
    if (i % 2 === 0) {
      const at = () => performance.now();
      await services.subscriptions.upsertMany([
        {
          externalId: `sub-${account.id}`,
          accountExternalId: account.external_id,
          mrr: 100 + i,
          startedAt: new Date(Date.now() - 700 * 86_400_000),
        } as never,
      ]);
      pending.set(account.id, { at: at(), kind: 'upsert' });
    } else {
      const response = await fetch(`http://127.0.0.1:${port}/v1/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
        },
        body: JSON.stringify({
          batch: [
            {
              type: 'track',
              userId: `stream-${i}`,
              event: 'Report Viewed',
              context: { groupId: account.external_id },
            },
          ],
        }),
      });
      if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
      pending.set(account.id, { at: performance.now(), kind: 'events' });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const deadline = Date.now() + 10_000;
  while (pending.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await reading;
  await listener.end();
  if (pending.size) process.stderr.write(`${pending.size} writes recorded no change within 10 s\n`);
  return latencies;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
