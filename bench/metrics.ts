import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { Client, Pool } from 'pg';
import { loadConfig } from '../src/config/config';
import { createDataSource } from '../src/db/data-source';
import { createServer } from '../src/server/app';
import { createServices } from '../src/server/services';
import { createLogger } from '../src/shared/logger';
import { generateBenchData, type BenchSize } from './metrics-data';
import { entities } from '../src/domain/entities';

/**
 * `npm run bench:metrics`: builds a fresh database (5,000 accounts, 50,000 users, 10 million
 * events over 12 months, 24 months of subscription history), then times through GraphQL
 * (server in-process, NODE_ENV=production, every query `fresh: true`: the uncached path) and by hand-written SQL over the raw
 * events and subscription tables:
 *   (a) active_users by month over 12 months
 *   (b) mrr by month over 24 months
 *   (c) a page of 100 accounts with three per-account metrics
 * Both ways must give the same numbers. BENCH_EVENTS / BENCH_RUNS / BENCH_KEEP_DB adjust it.
 */
const SIZE: BenchSize = {
  accounts: 5_000,
  users: 50_000,
  events: Number(process.env.BENCH_EVENTS ?? 10_000_000),
};
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/** The raw-SQL side of (a) takes seconds per run: fewer runs keep the benchmark short. */
const RAW_RUNS = Math.min(RUNS, Number(process.env.BENCH_RAW_RUNS ?? 5));
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const started = performance.now();
const log = (message: string) =>
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin(sql: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Runs `work` twice to warm up, then `runs` times; returns the median in ms and the last answer. */
async function time<T>(work: () => Promise<T>, runs = RUNS): Promise<{ ms: number; answer: T }> {
  let answer = await work();
  await work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    answer = await work();
    samples.push(performance.now() - start);
  }
  return { ms: median(samples), answer };
}

function assertSame(what: string, engine: number[], raw: number[]): void {
  const same =
    engine.length === raw.length &&
    engine.every((value, i) => Math.abs(value - raw[i]) <= 1e-9 * Math.max(1, Math.abs(raw[i])));
  if (!same) {
    throw new Error(
      `${what}: GraphQL and raw SQL disagree\n  graphql: ${JSON.stringify(engine)}\n  raw:     ${JSON.stringify(raw)}`,
    );
  }
  log(`${what}: both ways agree (${engine.length} numbers)`);
}

async function main(): Promise<void> {
  const database = `harmony_bench_${process.pid}`;
  await withAdmin(`CREATE DATABASE ${database}`);
  const dataSource = createDataSource({
    url: urlFor(database),
    statementTimeoutMs: 0,
    poolSize: 1,
    entities,
  });
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  let raw: Pool | undefined;
  let appSource: ReturnType<typeof createDataSource> | undefined;
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const monthStart = DateTime.utc().startOf('month');
    log(`database ${database} migrated; generating ${SIZE.events.toLocaleString('en-US')} events`);
    await generateBenchData(dataSource, SIZE, monthStart.toJSDate(), log);
    await dataSource.destroy();

    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: urlFor(database),
      LOG_LEVEL: 'warn',
    });
    appSource = createDataSource({
      url: config.databaseUrl!,
      statementTimeoutMs: 60_000,
      poolSize: config.dbPoolSize,
      entities,
    });
    await appSource.initialize();
    const services = createServices(appSource, config);
    await services.metrics.syncCatalog('bench');
    const { key } = await services.apiKeys.create('bench', ['admin']);
    server = await createServer(services, createLogger('warn'));
    const port = await server.listen(0, '127.0.0.1');
    const graphql = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data;
    };
    // Raw SQL gets the same session settings the metrics executor uses, so only the method differs.
    raw = new Pool({
      connectionString: config.databaseUrl,
      max: 2,
      options: '-c jit=off -c work_mem=64MB',
    });

    const m = (months: number) => monthStart.minus({ months }).toJSDate();
    const results: Array<{ label: string; graphql: number; raw: number }> = [];

    // (a) active_users by month over the last 12 months.
    const windowA = { from: m(12).toISOString(), to: m(0).toISOString() };
    const a = await time(() =>
      graphql(
        `
          query ($w: WindowInput!) {
            metric(name: "active_users", window: $w, grain: MONTH, fresh: true) {
              total
              points {
                value
              }
            }
          }
        `,
        { w: windowA },
      ),
    );
    const aRaw = await time(async () => {
      const { rows } = await raw!.query(
        `SELECT date_trunc('month', e.occurred_at AT TIME ZONE 'UTC') AS month,
           count(DISTINCT e.user_id)::float8 AS users
         FROM events e
         JOIN users u ON u.id = e.user_id AND NOT u.is_test AND u.deleted_at IS NULL
         LEFT JOIN accounts a ON a.id = e.account_id
         WHERE e.occurred_at >= $1 AND e.occurred_at < $2
           AND (a.id IS NULL OR (NOT a.is_test AND a.deleted_at IS NULL))
         GROUP BY GROUPING SETS ((1), ())
         ORDER BY 1 NULLS LAST`,
        [windowA.from, windowA.to],
      );
      return rows.map((row) => Number(row.users));
    }, RAW_RUNS);
    assertSame(
      '(a) active_users by month + total',
      [...a.answer.metric.points.map((p: any) => p.value), a.answer.metric.total],
      aRaw.answer,
    );
    results.push({ label: '(a) active_users by month, 12 months', graphql: a.ms, raw: aRaw.ms });

    // (b) mrr by month over the last 24 months.
    const windowB = { from: m(24).toISOString(), to: m(0).toISOString() };
    const b = await time(() =>
      graphql(
        `
          query ($w: WindowInput!) {
            metric(name: "mrr", window: $w, grain: MONTH, fresh: true) {
              total
              points {
                value
              }
            }
          }
        `,
        { w: windowB },
      ),
    );
    const monthStarts = Array.from({ length: 24 }, (_, i) => m(24 - i));
    const bRaw = await time(async () => {
      const { rows } = await raw!.query(mrrAtInstantsSql(), [monthStarts, null]);
      return rows.map((row) => Number(row.mrr));
    });
    assertSame(
      '(b) mrr by month',
      b.answer.metric.points.map((p: any) => p.value),
      bRaw.answer,
    );
    results.push({ label: '(b) mrr by month, 24 months', graphql: b.ms, raw: bRaw.ms });

    // (c) a page of 100 accounts with mrr, active_users and nrr over the previous month.
    const windowC = { from: m(1).toISOString(), to: m(0).toISOString() };
    const c = await time(() =>
      graphql(
        `
          query ($w: WindowInput!) {
            accounts(first: 100) {
              edges {
                node {
                  id
                  mrr: metric(name: "mrr", window: $w, fresh: true) {
                    value
                  }
                  activeUsers: metric(name: "active_users", window: $w, fresh: true) {
                    value
                  }
                  nrr: metric(name: "nrr", window: $w, fresh: true) {
                    value
                  }
                }
              }
            }
          }
        `,
        { w: windowC },
      ),
    );
    const nodes = c.answer.accounts.edges.map((e: any) => e.node);
    const ids: string[] = nodes.map((n: any) => n.id);
    const cRaw = await time(async () => {
      const [start, end, users] = await Promise.all([
        raw!.query(mrrAtInstantsSql(true), [[m(1)], ids]),
        raw!.query(mrrAtInstantsSql(true), [[m(0)], ids]),
        raw!.query(
          `SELECT e.account_id::text AS id, count(DISTINCT e.user_id)::float8 AS users
           FROM events e
           JOIN users u ON u.id = e.user_id AND NOT u.is_test AND u.deleted_at IS NULL
           JOIN accounts a ON a.id = e.account_id AND NOT a.is_test AND a.deleted_at IS NULL
           WHERE e.account_id = ANY($1::bigint[]) AND e.occurred_at >= $2 AND e.occurred_at < $3
           GROUP BY e.account_id`,
          [ids, windowC.from, windowC.to],
        ),
      ]);
      const byId = (rows: any[], column: string) =>
        new Map(rows.map((row) => [String(row.id), Number(row[column])]));
      const mrrStart = byId(start.rows, 'mrr');
      const mrrEnd = byId(end.rows, 'mrr');
      const active = byId(users.rows, 'users');
      return ids.flatMap((id) => {
        const s = mrrStart.get(id) ?? 0;
        return [s, active.get(id) ?? 0, s > 0 ? (mrrEnd.get(id) ?? 0) / s : 0];
      });
    });
    assertSame(
      '(c) 100 accounts x (mrr, active_users, nrr)',
      nodes.flatMap((n: any) => [n.mrr.value, n.activeUsers.value, n.nrr.value]),
      cRaw.answer,
    );
    results.push({ label: '(c) 100 accounts x 3 metrics', graphql: c.ms, raw: cRaw.ms });

    process.stdout.write(
      `\nmedians over ${RUNS} runs (raw SQL of (a): ${RAW_RUNS}) after 2 warm-ups, uncached; ${SIZE.accounts} accounts, ` +
        `${SIZE.users} users, ${SIZE.events.toLocaleString('en-US')} events\n`,
    );
    for (const r of results) {
      process.stdout.write(
        `${r.label.padEnd(40)} graphql ${r.graphql.toFixed(1).padStart(8)} ms   raw SQL ${r.raw
          .toFixed(1)
          .padStart(8)} ms   ratio ${(r.raw / r.graphql).toFixed(1)}x\n`,
      );
    }
    process.stdout.write(`metrics/raw-sql speedup (a): ${(aRaw.ms / a.ms).toFixed(1)}\n`);
  } finally {
    await server?.close().catch(() => undefined);
    await raw?.end().catch(() => undefined);
    if (appSource?.isInitialized) await appSource.destroy();
    if (dataSource.isInitialized) await dataSource.destroy();
    if (!process.env.BENCH_KEEP_DB) {
      await withAdmin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  }
}

/**
 * Hand-written MRR at instants from the raw tables: each subscription's latest history row at
 * or before the instant, counted when its status earns revenue and its plan is paid.
 */
function mrrAtInstantsSql(perAccount = false): string {
  return `
    SELECT m.at${perAccount ? ', cur.account_id::text AS id' : ''},
      coalesce(sum(cur.mrr_minor) FILTER (WHERE st.counts_as_revenue AND p.is_paid), 0) / 100.0 AS mrr
    FROM unnest($1::timestamptz[]) AS m(at)
    LEFT JOIN LATERAL (
      SELECT DISTINCT ON (h.subscription_id) h.account_id, h.mrr_minor, h.status_code, h.plan_id
      FROM subscription_history h
      JOIN subscriptions s ON s.id = h.subscription_id AND s.deleted_at IS NULL
      JOIN accounts a ON a.id = h.account_id AND NOT a.is_test AND a.deleted_at IS NULL
      WHERE h.effective_at <= m.at AND ($2::bigint[] IS NULL OR h.account_id = ANY($2::bigint[]))
      ORDER BY h.subscription_id, h.effective_at DESC, h.id DESC
    ) cur ON true
    LEFT JOIN subscription_statuses st ON st.code = cur.status_code
    LEFT JOIN plans p ON p.id = cur.plan_id
    GROUP BY m.at${perAccount ? ', cur.account_id' : ''}
    ORDER BY m.at`;
}

main().catch((error) => {
  process.stderr.write(`bench:metrics failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
