/**
 * `npm run bench:ingest`: 200,000 events through `/v1/batch` (500 per batch, several concurrent
 * connections) into a fresh database, then the very same rows loaded with a raw `COPY` into a
 * table of the same shape, partitioning and indexes, in the same run. Prints
 * `harmony: N events/s`, `copy: N events/s` and, last, `ingest/copy ratio: X`.
 *
 * Also prints the CPU each side spent per event (Harmony's server process, its PostgreSQL
 * backends read from /proc, the load client): on a machine where they share the cores, that says
 * where the time goes.
 *
 * Options (environment): BENCH_EVENTS (default 200000), BENCH_BATCH (500), BENCH_CONCURRENCY (4),
 * BENCH_INGEST_PUSH_EVENT (an event name a push destination subscribes to; default none),
 * BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_PROFILE_DIR (writes
 * a V8 CPU profile of the server there).
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../src/config/config';
import { createDataSource } from '../src/db/data-source';
import { createRandom } from '../src/demo/random';
import { createServer } from '../src/server/app';
import { createServices } from '../src/server/services';
import { createLogger } from '../src/shared/logger';
import { entities } from '../src/domain/entities';
import { withAdmin, withDatabase } from './bench-database';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVE = '--serve';
const USERS = 5_000;
const ACCOUNTS = 500;
const EVENT_NAMES = [
  'Signed In',
  'Report Viewed',
  'Report Created',
  'Dashboard Shared',
  'Export Run',
  'Invite Sent',
  'Comment Added',
  'Search Performed',
  'Integration Connected',
  'Help Clicked',
  'Filter Applied',
  'File Uploaded',
  'Alert Created',
  'Settings Changed',
  'Demo Requested',
];

async function main(): Promise<void> {
  const databaseName = `harmony_bench_${process.pid}`;
  const databaseUrl = withDatabase(ADMIN_URL, databaseName);
  await withAdmin(ADMIN_URL, (admin) => admin.query(`CREATE DATABASE ${databaseName}`));
  try {
    const dataSource = createDataSource({
      url: databaseUrl,
      statementTimeoutMs: 60_000,
      poolSize: 2,
      entities,
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const server = await startServerProcess(databaseUrl);

    const bodies = buildBatches();
    process.stderr.write(
      `sending ${EVENTS} events in ${bodies.length} batches of ${BATCH}, ${CONCURRENCY} connections...\n`,
    );
    const backendsBefore = await backendCpuSeconds(dataSource);
    const clientCpuAtStart = process.cpuUsage();
    const harmonySeconds = await sendAll(
      `http://127.0.0.1:${server.port}/v1/batch`,
      server.key,
      bodies,
    );
    const clientCpu = process.cpuUsage(clientCpuAtStart);
    const postgresCpuSeconds = await postgresCpuSince(dataSource, backendsBefore);
    const serverCpuSeconds = await server.stop();
    const [{ stored }] = await dataSource.query(`SELECT count(*)::int AS stored FROM events`);
    if (stored !== EVENTS) throw new Error(`expected ${EVENTS} events stored, found ${stored}`);
    const rollupsExact = await rollupsEqualRecount(dataSource);
    const [{ server_version: postgresVersion }] = await dataSource.query(`SHOW server_version`);
    await dataSource.destroy();

    const copySeconds = await copySameRows(databaseUrl);
    const harmonyRate = EVENTS / harmonySeconds;
    const copyRate = EVENTS / copySeconds;
    process.stdout.write(
      [
        // Rates differ a lot between machines: say which one this was.
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, PostgreSQL ${postgresVersion}`,
        `events: ${EVENTS} (batches of ${BATCH}, ${CONCURRENCY} connections); rollups equal a recount: ${rollupsExact ? 'yes' : 'NO'}`,
        `CPU per event: server ${perEvent(serverCpuSeconds)}, postgres ${perEvent(postgresCpuSeconds)}, load client ${perEvent((clientCpu.user + clientCpu.system) / 1e6)}`,
        `harmony: ${Math.round(harmonyRate)} events/s (${harmonySeconds.toFixed(2)} s)`,
        `copy: ${Math.round(copyRate)} events/s (${copySeconds.toFixed(2)} s)`,
        `ingest/copy ratio: ${(harmonyRate / copyRate).toFixed(2)}`,
      ].join('\n') + '\n',
    );
  } finally {
    await withAdmin(ADMIN_URL, (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`),
    );
  }
}

type ServerProcess = {
  port: number;
  key: string;
  /** Stops the server; resolves with the CPU seconds it used while serving. */
  stop(): Promise<number>;
};

/**
 * The server runs in a child process, as in production: the load client must not share its
 * event loop (nor its garbage collector), or the client's work would be billed to ingestion.
 */
async function startServerProcess(databaseUrl: string): Promise<ServerProcess> {
  const child = fork(__filename, [SERVE], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
    // The flags `npm start` runs the server with, plus ts-node (and a CPU profile on request).
    execArgv: [
      '--max-semi-space-size=64',
      '-r',
      'ts-node/register/transpile-only',
      ...(process.env.BENCH_PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
        : []),
    ],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const { port, key } = await new Promise<{ port: number; key: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { port: number; key: string }));
    child.once('exit', (code) => reject(new Error(`bench server exited early (${code})`)));
  });
  return {
    port,
    key,
    stop: async () => {
      const usage = new Promise<number>((resolve) =>
        child.once('message', (message) => resolve((message as { cpuSeconds: number }).cpuSeconds)),
      );
      child.send('stop');
      const cpuSeconds = await usage;
      await exited;
      return cpuSeconds;
    },
  };
}

/** The child process: Harmony's HTTP server on the bench database, in production mode. */
async function serve(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL!;
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
  });
  const dataSource = createDataSource({
    url: databaseUrl,
    statementTimeoutMs: 60_000,
    poolSize: 12,
    entities,
  });
  await dataSource.initialize();
  const services = createServices(dataSource, config);
  const server = await createServer(services, createLogger('warn'));
  const port = await server.listen(0, '127.0.0.1');
  const { key } = await services.apiKeys.create('bench', ['ingest']);
  // BENCH_INGEST_PUSH_EVENT=<event name>: a destination subscribes to it, so each commit also
  // enqueues its pushes (HOURLY: nothing is sent during the run; the enqueue is what is measured).
  if (process.env.BENCH_INGEST_PUSH_EVENT)
    await services.push.destinations.upsert({
      name: 'bench',
      kind: 'WEBHOOK',
      url: 'http://127.0.0.1:9/',
      tier: 'HOURLY',
      subscriptions: [{ kind: 'EVENT', event: process.env.BENCH_INGEST_PUSH_EVENT }],
    });
  const cpuAtStart = process.cpuUsage();
  process.once('message', async () => {
    const cpu = process.cpuUsage(cpuAtStart);
    process.send!({ cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    await server.close();
    await dataSource.destroy();
    process.exit(0);
  });
  process.send!({ port, key });
}

/** Deterministic, realistic batches: users in accounts, a month of timestamps, small properties. */
function buildBatches(): string[] {
  const bodies: string[] = [];
  const now = Date.now();
  // A real generator: a hand-rolled LCG overflowed 2^53 and cycled over a quarter of the users.
  const rng = createRandom(42);
  const random = () => rng.float();
  for (let start = 0; start < EVENTS; start += BATCH) {
    const batch = [];
    for (let i = start; i < Math.min(start + BATCH, EVENTS); i++) {
      const user = Math.floor(random() * USERS);
      batch.push({
        type: 'track',
        messageId: `bench-${i}`,
        userId: `user-${user}`,
        event: EVENT_NAMES[Math.floor(random() * EVENT_NAMES.length)],
        timestamp: new Date(now - Math.floor(random() * 30 * 86_400_000)).toISOString(),
        properties: { plan: user % 3 ? 'pro' : 'free', durationMs: Math.floor(random() * 5000) },
        context: {
          groupId: `account-${user % ACCOUNTS}`,
          library: { name: 'bench', version: '1' },
        },
      });
    }
    bodies.push(JSON.stringify({ batch, sentAt: new Date(now).toISOString() }));
  }
  return bodies;
}

async function sendAll(url: string, key: string, bodies: string[]): Promise<number> {
  const authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  // A plain keep-alive HTTP client over pre-encoded bodies: the load generator shares the cores
  // with the server and PostgreSQL, so it should cost them as little as possible.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const encoded = bodies.map((body) => Buffer.from(body));
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < encoded.length) {
      const { status, text } = await post(url, agent, authorization, encoded[next++]);
      const answer = JSON.parse(text) as { stored?: number; rejected?: unknown[] };
      if (status !== 200 || answer.rejected?.length)
        throw new Error(`batch failed: ${status} ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return seconds;
}

function post(
  url: string,
  agent: http.Agent,
  authorization: string,
  body: Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        authorization,
      },
    });
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
    });
    request.end(body);
  });
}

async function rollupsEqualRecount(dataSource: {
  query(sql: string): Promise<any[]>;
}): Promise<boolean> {
  const [row] = await dataSource.query(`
    SELECT
      (SELECT count(*) FROM (
        SELECT definition_id, (occurred_at AT TIME ZONE 'UTC')::date, coalesce(account_id, 0), count(*)
        FROM events GROUP BY 1, 2, 3
        EXCEPT SELECT definition_id, day, account_id, event_count FROM event_counts_daily) a)
    + (SELECT count(*) FROM (
        SELECT (occurred_at AT TIME ZONE 'UTC')::date, coalesce(account_id, 0), user_id, count(*)
        FROM events WHERE user_id IS NOT NULL GROUP BY 1, 2, 3
        EXCEPT SELECT day, account_id, user_id, event_count FROM user_activity_daily) b)
    + (SELECT count(*) FROM (
        SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date,
          coalesce(account_id, 0), user_id
        FROM events WHERE user_id IS NOT NULL
        EXCEPT SELECT month, account_id, user_id FROM user_activity_monthly) m)
    + (SELECT count(*) FROM user_activity_monthly) - (SELECT count(*) FROM (
        SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date,
          coalesce(account_id, 0), user_id
        FROM events WHERE user_id IS NOT NULL) mc)
    + (SELECT count(*) FROM (
        SELECT extract(year FROM month)::int, account_id, user_id,
          bit_or(1 << (extract(month FROM month)::int - 1))
        FROM user_activity_monthly GROUP BY 1, 2, 3
        EXCEPT SELECT year, account_id, user_id, months FROM user_active_months) y)
    + (SELECT count(*) FROM (
        SELECT harmony_month_era(month), user_id, bit_or(harmony_month_era_bit(month))
        FROM user_activity_monthly GROUP BY 1, 2
        EXCEPT SELECT era, user_id, months FROM user_month_bits) bits)
    + (SELECT count(*) FROM event_counts_daily) - (SELECT count(*) FROM (
        SELECT DISTINCT definition_id, (occurred_at AT TIME ZONE 'UTC')::date, coalesce(account_id, 0)
        FROM events) c) AS differences`);
  return Number(row.differences) === 0;
}

/**
 * The same rows, exported from `events` beforehand (not timed), loaded with COPY into a table
 * with the same columns, monthly partitions and indexes.
 */
async function copySameRows(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = `definition_id, type, user_id, anonymous_id, account_id, occurred_at, received_at,
      message_id, properties, context`;
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(
      copyTo(`COPY (SELECT ${columns} FROM events) TO STDOUT`),
    ))
      chunks.push(chunk as Buffer);
    await client.query(`
      CREATE TABLE copy_events (LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY)
        PARTITION BY RANGE (occurred_at);
      CREATE INDEX ON copy_events (account_id, occurred_at);
      CREATE INDEX ON copy_events (definition_id, occurred_at);
      CREATE INDEX ON copy_events (user_id, occurred_at);
      CREATE INDEX ON copy_events (anonymous_id) WHERE user_id IS NULL;
      CREATE TABLE copy_events_default PARTITION OF copy_events DEFAULT;`);
    const { rows } = await client.query(
      `SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM events`,
    );
    for (const { m } of rows) {
      const name = `copy_events_${new Date(m).toISOString().slice(0, 7).replace('-', '_')}`;
      await client.query(
        `CREATE TABLE ${name} PARTITION OF copy_events FOR VALUES FROM ($$${new Date(m).toISOString()}$$) TO ($$${new Date(new Date(m).setUTCMonth(new Date(m).getUTCMonth() + 1)).toISOString()}$$)`,
      );
    }
    const started = process.hrtime.bigint();
    await pipeline(
      Readable.from(chunks),
      client.query(copyFrom(`COPY copy_events (${columns}) FROM STDIN`)),
    );
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await client.end();
  }
}

/**
 * CPU seconds each PostgreSQL backend of the bench database used, read from /proc: a diagnostic
 * only, empty when the server is not on this machine.
 */
async function backendCpuSeconds(dataSource: {
  query(sql: string): Promise<any[]>;
}): Promise<Map<number, number>> {
  const rows: Array<{ pid: number }> = await dataSource.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );
  const ticksPerSecond = 100;
  const seconds = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seconds.set(pid, (Number(fields[11]) + Number(fields[12])) / ticksPerSecond);
    } catch {
      // Not on this machine, or already gone.
    }
  }
  return seconds;
}

async function postgresCpuSince(
  dataSource: { query(sql: string): Promise<any[]> },
  before: Map<number, number>,
): Promise<number | null> {
  const after = await backendCpuSeconds(dataSource);
  if (after.size === 0) return null;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

function perEvent(seconds: number | null): string {
  return seconds === null ? 'n/a' : `${((seconds / EVENTS) * 1e6).toFixed(1)} µs`;
}

(process.argv[2] === SERVE ? serve() : main()).catch((error) => {
  process.stderr.write(`bench:ingest failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
