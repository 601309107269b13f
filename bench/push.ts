/**
 * `npm run bench:push`: how long from an event's commit to its realtime webhook arriving.
 * A fresh database, a Harmony server with its push worker in its own process (bench/push-server.ts,
 * configured by this process's environment: HARMONY_PUSH_*, HARMONY_SIGNALS_PUMP, …), one
 * REALTIME webhook destination on a receiver in this process, and BENCH_PUSH_EVENTS track calls
 * (default 2000) paced at BENCH_PUSH_RATE per second (default 40). Latency = arrival at the
 * receiver − the change's commit time (`timestamp` in the body: clock_timestamp() in the
 * committing statement, same machine clock). Then where the time went, per delivery, from the
 * ledger: commit → delivery formed by the worker → request sent → received.
 *
 * Measured in the same run, with the same count and pace:
 * - the floor: a bare PostgreSQL NOTIFY → LISTEN round trip (what any push built on PostgreSQL
 *   pays at least);
 * - a 1-second polling loop over a table, what Hasura's event triggers do.
 * Last line: `realtime push p50: A ms, p99: B ms`.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createDataSource } from '../src/db/data-source';
import { ApiKeyService } from '../src/domain/api-key/api-key.service';
import { entities } from '../src/domain/entities';
import { DestinationService } from '../src/push/destination.service';
import { withAdmin, withDatabase } from './bench-database';

const EVENTS = Number(process.env.BENCH_PUSH_EVENTS ?? 2000);
const RATE = Number(process.env.BENCH_PUSH_RATE ?? 40);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function main(): Promise<void> {
  const databaseName = `harmony_bench_push_${process.pid}`;
  const databaseUrl = withDatabase(ADMIN_URL, databaseName);
  await withAdmin(ADMIN_URL, (admin) => admin.query(`CREATE DATABASE ${databaseName}`));
  try {
    const dataSource = createDataSource({
      url: databaseUrl,
      statementTimeoutMs: 60_000,
      poolSize: 10,
      entities,
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const [{ server_version: postgresVersion }] = await dataSource.query(`SHOW server_version`);
    process.stdout.write(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, PostgreSQL ${postgresVersion}\n`,
    );
    process.stdout.write(`${EVENTS} events at ${RATE}/s, each measure in turn\n`);

    const floor = await notifyRoundTrips(databaseUrl);
    report('LISTEN/NOTIFY floor', floor);
    const polling = await pollingLoop(databaseUrl);
    report('1 s polling loop (Hasura-like)', polling);
    const push = await realtimePush(dataSource, databaseUrl);
    report('Harmony realtime push', push);
    await dataSource.destroy();
    const { p50, p99 } = percentiles(push);
    process.stdout.write(`realtime push p50: ${p50.toFixed(1)} ms, p99: ${p99.toFixed(1)} ms\n`);
  } finally {
    await withAdmin(ADMIN_URL, (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`),
    );
  }
}

/** Paces `count` calls of `send(i)` at RATE per second; returns when all were started and done. */
async function paced(send: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(send(i));
  }
  await Promise.all(inFlight);
}

/**
 * Runs `work` after the previous call's work: one pg client runs one query at a time anyway,
 * and queueing on it implicitly is deprecated.
 */
let turn: Promise<unknown> = Promise.resolve();
function inTurn<T>(work: () => Promise<T>): Promise<T> {
  const result = turn.then(work);
  turn = result.catch(() => undefined);
  return result;
}

async function notifyRoundTrips(url: string): Promise<number[]> {
  const listener = new Client({ connectionString: url });
  const sender = new Client({ connectionString: url });
  await Promise.all([listener.connect(), sender.connect()]);
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  listener.on('notification', (message) => {
    latencies.push(performance.now() - sentAt.get(message.payload!)!);
    if (latencies.length === EVENTS) done();
  });
  await listener.query('LISTEN bench_push');
  await paced(async (i) => {
    sentAt.set(String(i), performance.now());
    await inTurn(() => sender.query(`SELECT pg_notify('bench_push', $1)`, [String(i)]));
  });
  await all;
  await Promise.all([listener.end(), sender.end()]);
  return latencies;
}

async function pollingLoop(url: string): Promise<number[]> {
  const writer = new Client({ connectionString: url });
  const poller = new Client({ connectionString: url });
  await Promise.all([writer.connect(), poller.connect()]);
  await writer.query(
    `CREATE TABLE bench_outbox (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const latencies: number[] = [];
  let lastId = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop || latencies.length < EVENTS) {
      const { rows } = await poller.query<{ id: string; created_at: Date }>(
        `SELECT id, created_at FROM bench_outbox WHERE id > $1 ORDER BY id`,
        [lastId],
      );
      const now = Date.now();
      for (const row of rows) {
        latencies.push(now - row.created_at.getTime());
        lastId = Number(row.id);
      }
      if (latencies.length >= EVENTS) break;
      await sleep(1000);
    }
  })();
  await paced(async () => {
    await inTurn(() => writer.query(`INSERT INTO bench_outbox DEFAULT VALUES`));
  });
  stop = true;
  await loop;
  await Promise.all([writer.end(), poller.end()]);
  return latencies;
}

async function realtimePush(
  dataSource: ReturnType<typeof createDataSource>,
  databaseUrl: string,
): Promise<number[]> {
  const latencies: number[] = [];
  const arrivals = new Map<string, number>();
  let measuring = false;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    // A connection the worker drops mid-request (a timeout, a stop) is its business, not a crash.
    request.on('error', () => undefined);
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const arrived = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.end('{}');
      if (!measuring || body.data?.messageId === 'bench--1') return;
      arrivals.set(String(request.headers['webhook-id']), arrived);
      latencies.push(arrived - Date.parse(body.timestamp));
      if (latencies.length === EVENTS) done();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const { key } = await new ApiKeyService(dataSource).create('bench', ['ingest']);
  await new DestinationService(dataSource, { allowPrivateUrls: true, secretOverlapMs: 0 }).upsert({
    name: 'bench',
    kind: 'WEBHOOK',
    url: receiverUrl,
    tier: 'REALTIME',
    subscriptions: [{ kind: 'EVENT', event: 'Bench Event' }],
  });
  const server = await startServer(databaseUrl);
  const authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const track = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({
        userId: `u-${i % 100}`,
        event: 'Bench Event',
        messageId: `bench-${i}`,
      });
      const request = http.request(`http://127.0.0.1:${server.port}/v1/track`, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization,
        },
      });
      request.on('error', reject);
      request.once('response', (response) => {
        response.on('error', reject);
        response.resume();
        response.once('end', () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`ingest answered ${response.statusCode}`)),
        );
      });
      request.end(body);
    });
  await track(-1); // warm up: definitions, entity cache
  measuring = true;
  await paced(track);
  await Promise.race([
    all,
    sleep(120_000).then(() => Promise.reject(new Error('not every push arrived in 2 minutes'))),
  ]);
  // The worker records a success while it sends the next request: give it time to record the
  // last ones before the server stops (stages are read from the ledger).
  for (let i = 0; i < 50; i++) {
    const [{ pending }] = await dataSource.query(
      `SELECT count(*)::int AS pending FROM deliveries WHERE status = 'PENDING'`,
    );
    if (pending === 0) break;
    await sleep(100);
  }
  await server.stop();
  agent.destroy();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await reportStages(dataSource, arrivals);
  return latencies;
}

/**
 * The Harmony server in a child process (bench/push-server.ts) over the bench database, with its
 * push worker; with BENCH_PUSH_WORKER_PROCESS=1 the worker runs in a process of its own
 * (`npm run push:worker`'s deployment) and the server only ingests.
 */
async function startServer(databaseUrl: string): Promise<{ port: number; stop(): Promise<void> }> {
  const separate = ['1', 'true', 'yes'].includes(process.env.BENCH_PUSH_WORKER_PROCESS ?? '');
  const server = await startChild(databaseUrl, [], { HARMONY_PUSH_WORKER: String(!separate) });
  const worker = separate ? await startChild(databaseUrl, ['worker'], {}) : null;
  return {
    port: server.port,
    stop: async () => {
      await worker?.stop();
      await server.stop();
    },
  };
}

async function startChild(
  databaseUrl: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'push-server.ts'), ...args],
    {
      // The process environment applies (HARMONY_PUSH_*, HARMONY_SIGNALS_PUMP, …).
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  // A bench that fails must not leave its servers running.
  process.once('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const match = /PORT (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
      // Its log (warnings and errors only) goes on, to this process's stderr.
      else if (output.length > 0 && output.includes('\n')) process.stderr.write(output);
      if (match || output.includes('\n')) output = '';
    });
    child.once('exit', (code) => reject(new Error(`push-server exited with ${code} at start`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Where the time goes, per delivery, from the ledger's own timestamps: commit (caused_at, taken
 * in the committing statement) → delivery formed by the worker (created_at) → request sent
 * (first attempt's `at`) → received here.
 */
async function reportStages(
  dataSource: ReturnType<typeof createDataSource>,
  arrivals: Map<string, number>,
): Promise<void> {
  const rows: Array<{
    webhook_id: string;
    caused: number;
    formed: number;
    sent: number;
    took: number;
  }> = await dataSource.query(
    `SELECT webhook_id, extract(epoch FROM caused_at) * 1000 AS caused,
       extract(epoch FROM created_at) * 1000 AS formed,
       extract(epoch FROM (attempts->0->>'at')::timestamptz) * 1000 AS sent,
       (attempts->0->>'durationMs')::int AS took
     FROM deliveries ORDER BY id`,
  );
  const stages: Record<string, number[]> = {
    'commit → formed': [],
    'formed → sent': [],
    'sent → received': [],
    'request (sent → answer, worker side)': [],
    'answer → next request sent (worker overhead per delivery)': [],
  };
  let previous: (typeof rows)[number] | null = null;
  for (const row of rows) {
    const arrived = arrivals.get(row.webhook_id);
    if (arrived === undefined || row.sent === null) continue;
    stages['commit → formed'].push(Number(row.formed) - Number(row.caused));
    stages['formed → sent'].push(Number(row.sent) - Number(row.formed));
    stages['sent → received'].push(arrived - Number(row.sent));
    stages['request (sent → answer, worker side)'].push(Number(row.took));
    // Only between deliveries that were both waiting: the gap is then the worker's own time.
    if (previous && Number(row.formed) <= Number(previous.sent) + Number(previous.took))
      stages['answer → next request sent (worker overhead per delivery)'].push(
        Number(row.sent) - Number(previous.sent) - Number(previous.took),
      );
    previous = row;
  }
  for (const [name, values] of Object.entries(stages)) report(`  stage ${name}`, values);
  const unrecorded = rows.filter((row) => arrivals.has(row.webhook_id) && row.sent === null);
  if (unrecorded.length > 0)
    process.stdout.write(
      `  ${unrecorded.length} received deliveries have no attempt in the ledger\n`,
    );
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

function report(name: string, values: number[]): void {
  const { p50, p99, max } = percentiles(values);
  process.stdout.write(
    `${name}: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (n=${values.length})\n`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench:push failed: ${String(error?.stack ?? error)}\n`);
    process.exit(1);
  },
);
