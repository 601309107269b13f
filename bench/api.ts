/**
 * `npm run bench:api`: Harmony's read API against its peers, side by side in one run.
 *
 * On a fresh database of its own (created here, dropped at the end) with the demo data, it builds
 * Harmony (`npm run build`) and starts `dist/src/main.js` with NODE_ENV=production, and starts
 * PostGraphile v5 on the same tables (installed at run time into `.bench/peers`, git-ignored).
 *   1. Entity page: 50 accounts with their users' emails and their plan, 16 connections; once
 *      both servers are idle, each is warmed up, then they are alternated three times. Prints
 *      req/s, p50/p99, the server's CPU and its PostgreSQL backends' CPU per request for both,
 *      and ends with `entity page harmony/postgraphile: X`.
 *   2. Cached metric: a `metric` query sent by persisted hash (APQ) to Harmony against a bare
 *      Node `http` server answering each request with one Redis GET of the same bytes.
 *      Ends with `cached metric harmony/bare: Y`.
 *   3. Uncached metric latency (`fresh: true` where the schema has it), printed for reference.
 *
 * Options (environment): BENCH_SECONDS (per round, default 10), BENCH_CONNECTIONS (16),
 * BENCH_ADMIN_URL (default: DATABASE_URL's server, else postgres://postgres@127.0.0.1:5432/postgres),
 * REDIS_URL (default redis://127.0.0.1:6379), BENCH_PROFILE_DIR (CPU profile of Harmony there),
 * BENCH_SKIP_BUILD=1 (reuse dist/), BENCH_ONLY=page or BENCH_ONLY=metric (one part alone, e.g. to profile it;
 * `metric` neither installs nor starts PostGraphile).
 */
import 'reflect-metadata';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createClient } from 'redis';
import { createDataSource } from '../src/db/data-source';
import { loadDemoData } from '../src/demo/demo-data';
import { entities } from '../src/domain/entities';
import { withAdmin, withDatabase } from './bench-database';

const ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..',
);
const PEERS_DIR = path.join(ROOT, '.bench', 'peers');
const POSTGRAPHILE_VERSION = '^5';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = 3;
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? adminUrlFrom(process.env.DATABASE_URL);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BARE = '--bare';

/** The entity page: 50 accounts with the emails of their users and their plan. */
const HARMONY_PAGE = `query AccountsPage {
  accounts(first: 50) { edges { node { name plan { code } users { email } } } }
}`;
/** The same page in PostGraphile's stock (Amber) schema: memberships lead to users. */
const POSTGRAPHILE_PAGE = `query AccountsPage {
  allAccounts(first: 50, orderBy: PRIMARY_KEY_ASC, condition: { deletedAt: null }) {
    nodes {
      name
      billingSubscriptionsByAccountId(condition: { deletedAt: null }) {
        nodes { planByPlanId { code } }
      }
      membershipsByAccountId(orderBy: USER_ID_ASC, condition: { deletedAt: null }) {
        nodes { userByUserId { email deletedAt } }
      }
    }
  }
}`;
/** A dashboard's metric: MRR by month over the last 12 months. */
const METRIC_QUERY = `query MrrByMonth($window: WindowInput!) {
  metric(name: "mrr", window: $window, grain: MONTH) {
    total
    points { start end value }
    freshness { tier computedAt ageSeconds cacheHit }
  }
}`;
const METRIC_VARIABLES = { window: { relative: 'LAST_12_MONTHS' } };

type Load = {
  reqPerSec: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number | null;
  /** CPU of the PostgreSQL backends on `Target.database` per request (entity page only). */
  postgresMsPerRequest?: number | null;
  /** Answers by their `x-harmony-response-cache` header (hit, miss, none). */
  responseCache?: Record<string, number>;
};
const NO_LOAD: Load = { reqPerSec: NaN, p50: NaN, p99: NaN, cpuMsPerRequest: null };
type Target = {
  name: string;
  url: string;
  pid: number;
  headers: Record<string, string>;
  body: string;
  /** The database whose PostgreSQL backends' CPU is counted per request, if any. */
  database?: string;
};

async function main(): Promise<void> {
  const databaseName = `harmony_benchapi_${process.pid}`;
  const databaseUrl = withDatabase(ADMIN_URL, databaseName);
  const redisPrefix = `harmony:benchapi:${process.pid}:`;
  const children: ChildProcess[] = [];
  await withAdmin(ADMIN_URL, (admin) => admin.query(`CREATE DATABASE ${databaseName}`));
  try {
    const postgresVersion = await prepareDatabase(databaseUrl);
    const only = process.env.BENCH_ONLY;
    // The cached metric alone needs no PostGraphile: no install, no start, no page check.
    const withPage = only !== 'metric';
    if (withPage) ensurePeersInstalled();
    if (!process.env.BENCH_SKIP_BUILD) {
      log('building Harmony (npm run build)');
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    }
    const adminKey = crypto.randomBytes(24).toString('hex');
    const harmony = await startHarmony(databaseUrl, adminKey, redisPrefix);
    children.push(harmony.child);
    const postgraphile = withPage ? await startPostgraphile(databaseUrl) : null;
    if (postgraphile) children.push(postgraphile.child);
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const harmonyTarget: Target = {
      name: 'harmony',
      url: `http://127.0.0.1:${harmony.port}/graphql`,
      pid: harmony.child.pid!,
      headers: auth,
      body: JSON.stringify({ query: HARMONY_PAGE }),
    };
    const postgraphileTarget: Target = {
      name: 'postgraphile',
      url: `http://127.0.0.1:${postgraphile?.port}/graphql`,
      pid: postgraphile?.child.pid ?? 0,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: POSTGRAPHILE_PAGE }),
    };
    if (withPage) await assertSamePage(harmonyTarget, postgraphileTarget);

    process.stdout.write(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, ` +
        `PostgreSQL ${postgresVersion}` +
        (withPage ? `, PostGraphile ${peerVersion('postgraphile')}` : '') +
        '\n',
    );
    if (withPage)
      log(`entity page: ${ROUNDS} rounds of ${SECONDS} s per server, ${CONNECTIONS} connections`);
    const page =
      only === 'metric'
        ? new Map([
            ['harmony', NO_LOAD],
            ['postgraphile', NO_LOAD],
          ])
        : await entityPage([harmonyTarget, postgraphileTarget], databaseName);
    const [h, p] = [page.get('harmony')!, page.get('postgraphile')!];
    if (only === 'page') {
      process.stdout.write(
        `${describe('entity page harmony', h)}\n${describe('entity page postgraphile', p)}\n` +
          `entity page harmony/postgraphile: ${(h.reqPerSec / p.reqPerSec).toFixed(2)}\n`,
      );
      return;
    }

    const bare = await startBare(redisPrefix);
    children.push(bare.child);
    const metric = await prepareCachedMetric(harmonyTarget, bare, redisPrefix);
    log(`cached metric: ${ROUNDS} rounds of ${SECONDS} s per server, ${CONNECTIONS} connections`);
    const cached = await alternate([metric.harmony, metric.bare]);
    const after = await postJson(metric.harmony.url, metric.harmony.headers, metric.harmony.body);
    log(
      `after the load, the persisted metric request is a response cache ${after.cache}: ${after.text.slice(0, 300)}`,
    );
    const uncachedMs = await uncachedMetricLatency(harmonyTarget);

    const [hc, bc] = [cached.get('harmony')!, cached.get('bare')!];
    process.stdout.write(
      [
        `uncached metric (mrr by month, 12 months, fresh): median ${uncachedMs.toFixed(1)} ms over 15 sequential requests`,
        describe('entity page harmony', h),
        describe('entity page postgraphile', p),
        describe('cached metric harmony (APQ hash)', hc),
        describe('cached metric bare node + redis GET', bc),
        `entity page harmony/postgraphile: ${(h.reqPerSec / p.reqPerSec).toFixed(2)}`,
        `cached metric harmony/bare: ${(hc.reqPerSec / bc.reqPerSec).toFixed(2)}`,
      ]
        .filter((line) => withPage || !line.startsWith('entity page'))
        .join('\n') + '\n',
    );
  } finally {
    await Promise.all(children.map(stopChild));
    await clearRedisPrefix(redisPrefix).catch(() => undefined);
    await withAdmin(ADMIN_URL, (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`),
    );
  }
}

/** Migrations and the demo data (300 accounts, their users, plans and subscription history). */
async function prepareDatabase(databaseUrl: string): Promise<string> {
  const dataSource = createDataSource({
    url: databaseUrl,
    statementTimeoutMs: 120_000,
    poolSize: 2,
    entities,
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const summary = await loadDemoData(dataSource);
    log(`demo data: ${summary.accounts} accounts, ${summary.users} users`);
    await dataSource.query('ANALYZE');
    const [{ server_version }] = await dataSource.query('SHOW server_version');
    return server_version;
  } finally {
    await dataSource.destroy();
  }
}

/** PostGraphile is the bench's own peer, never a dependency of Harmony: installed on first use. */
function ensurePeersInstalled(): void {
  if (existsSync(path.join(PEERS_DIR, 'node_modules', 'postgraphile', 'package.json'))) return;
  log(`installing postgraphile@${POSTGRAPHILE_VERSION} into ${PEERS_DIR}`);
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      PEERS_DIR,
      '--no-audit',
      '--no-fund',
      '--no-save',
      '--loglevel=error',
      `postgraphile@${POSTGRAPHILE_VERSION}`,
      'pg@^8',
    ],
    { cwd: ROOT, stdio: ['ignore', 2, 2] },
  );
}

function peerVersion(name: string): string {
  const file = path.join(PEERS_DIR, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Harmony as in production: the built server, NODE_ENV=production, `npm start`'s flags. */
async function startHarmony(databaseUrl: string, adminKey: string, redisPrefix: string) {
  const port = await freePort();
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=64', ...profile, path.join(ROOT, 'dist/src/main.js')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        HARMONY_CACHE_PREFIX: redisPrefix,
        // On a shared 2-core machine under 16 connections the event loop lags past the 75 ms
        // default, which would open the breaker and measure PostgreSQL instead of the cache.
        HARMONY_CACHE_COMMAND_TIMEOUT_MS: process.env.HARMONY_CACHE_COMMAND_TIMEOUT_MS ?? '1000',
        HARMONY_ADMIN_KEY: adminKey,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitForHttp(`http://127.0.0.1:${port}/health`, child);
  return { child, port };
}

/** PostGraphile v5 with the Promise.withResolvers polyfill Node 20 needs. */
async function startPostgraphile(databaseUrl: string) {
  const child = fork(path.join(ROOT, 'bench/peers/postgraphile-server.cjs'), [], {
    cwd: ROOT,
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_PEERS_DIR: PEERS_DIR },
    execArgv: ['--require', path.join(ROOT, 'bench/peers/with-resolvers.cjs')],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await firstMessage<{ port: number }>(child, 'postgraphile');
  return { child, port };
}

/** The limit: a bare Node `http` server answering every request with one Redis GET. */
async function startBare(redisPrefix: string) {
  const child = fork(__filename, [BARE], {
    cwd: ROOT,
    env: { ...process.env, BENCH_REDIS_KEY: `${redisPrefix}bare` },
    execArgv: __filename.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await firstMessage<{ port: number }>(child, 'bare server');
  return { child, port };
}

/** The child process of `startBare`. */
async function serveBare(): Promise<void> {
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  const key = process.env.BENCH_REDIS_KEY!;
  const server = http.createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      redis.get(key).then(
        (value) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(value);
        },
        () => {
          response.writeHead(503);
          response.end();
        },
      );
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.address() as net.AddressInfo).port });
  });
  process.on('message', () => {
    server.close();
    void redis.quit().finally(() => process.exit(0));
  });
}

/**
 * Registers the metric query under its hash (APQ), then loads it by hash alone; the bare server
 * serves the very bytes Harmony answered, stored in Redis.
 */
async function prepareCachedMetric(
  harmony: Target,
  bare: { port: number; child: ChildProcess },
  redisPrefix: string,
) {
  const hash = crypto.createHash('sha256').update(METRIC_QUERY).digest('hex');
  const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
  const byHash = JSON.stringify({ variables: METRIC_VARIABLES, extensions });
  const unknown = await postJson(harmony.url, harmony.headers, byHash);
  const unknownCode = unknown.body.errors?.[0]?.extensions?.code;
  if (unknownCode !== 'PERSISTED_QUERY_NOT_FOUND')
    throw new Error(
      `expected PERSISTED_QUERY_NOT_FOUND first, got ${JSON.stringify(unknown.body)}`,
    );
  const registered = await postJson(
    harmony.url,
    harmony.headers,
    JSON.stringify({ query: METRIC_QUERY, variables: METRIC_VARIABLES, extensions }),
  );
  assertAnswered('metric (registering the hash)', registered);
  const answered = await postJson(harmony.url, harmony.headers, byHash);
  assertAnswered('metric by hash', answered);
  if (answered.cache !== 'hit')
    throw new Error(`metric by hash: expected a response cache hit, got ${answered.cache}`);
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  await redis.set(`${redisPrefix}bare`, answered.text, { EX: 3600 });
  await redis.quit();
  return {
    harmony: { ...harmony, body: byHash },
    bare: {
      name: 'bare',
      url: `http://127.0.0.1:${bare.port}/`,
      pid: bare.child.pid!,
      headers: { 'content-type': 'application/json' },
      body: byHash,
    } satisfies Target,
  };
}

/** Median latency of a metric query computed afresh (no answer cache), one at a time. */
async function uncachedMetricLatency(harmony: Target): Promise<number> {
  const fresh = METRIC_QUERY.replace('grain: MONTH)', 'grain: MONTH, fresh: true)');
  const probe = await postJson(
    harmony.url,
    harmony.headers,
    JSON.stringify({ query: fresh, variables: METRIC_VARIABLES }),
  );
  const query = probe.body.errors ? METRIC_QUERY : fresh;
  const body = JSON.stringify({ query, variables: METRIC_VARIABLES });
  const samples: number[] = [];
  for (let i = 0; i < 17; i++) {
    const started = performance.now();
    assertAnswered('uncached metric', await postJson(harmony.url, harmony.headers, body));
    if (i >= 2) samples.push(performance.now() - started);
  }
  return median(samples);
}

/**
 * The entity page's rounds, once both servers are idle (Harmony's start-up work done), counting
 * the CPU of their PostgreSQL backends too.
 */
async function entityPage(targets: Target[], database: string): Promise<Map<string, Load>> {
  for (const target of targets) await untilIdle(target);
  return alternate(targets.map((target) => ({ ...target, database })));
}

/** Waits (30 s at most) until the target's process uses under 5 % of a core over a second. */
async function untilIdle(target: Target): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const before = processCpuSeconds(target.pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = processCpuSeconds(target.pid);
    if (before === null || after === null || after - before < 0.05) return;
  }
  log(`  ${target.name} still busy after 30 s; measuring anyway`);
}

/** Warms every target up, then loads them in turn, ROUNDS times; medians per target. */
async function alternate(targets: Target[]): Promise<Map<string, Load>> {
  for (const target of targets) await load(target, Math.min(3, SECONDS));
  const rounds = new Map<string, Load[]>(targets.map((target) => [target.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) {
      const result = await load(target, SECONDS);
      rounds.get(target.name)!.push(result);
      log(`  round ${round} ${describe(target.name, result)}`);
    }
  }
  return new Map(
    [...rounds].map(([name, loads]) => [
      name,
      {
        reqPerSec: median(loads.map((l) => l.reqPerSec)),
        p50: median(loads.map((l) => l.p50)),
        p99: median(loads.map((l) => l.p99)),
        cpuMsPerRequest:
          loads[0].cpuMsPerRequest === null ? null : median(loads.map((l) => l.cpuMsPerRequest!)),
        postgresMsPerRequest:
          loads[0].postgresMsPerRequest == null
            ? null
            : median(loads.map((l) => l.postgresMsPerRequest!)),
      },
    ]),
  );
}

async function load(target: Target, seconds: number): Promise<Load> {
  const postgresBefore = target.database ? await backendCpuSeconds(target.database) : null;
  const cpuBefore = processCpuSeconds(target.pid);
  const responseCache: Record<string, number> = {};
  const result = await autocannon({
    setupClient: (client) =>
      client.on('headers', ({ headers }) => {
        const at = headers.findIndex(
          (name, i) => i % 2 === 0 && name.toLowerCase() === 'x-harmony-response-cache',
        );
        const outcome = at < 0 ? 'none' : headers[at + 1];
        responseCache[outcome] = (responseCache[outcome] ?? 0) + 1;
      }),
    url: target.url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: target.headers,
    body: target.body,
  });
  const cpuAfter = processCpuSeconds(target.pid);
  const postgresAfter = target.database ? await backendCpuSeconds(target.database) : null;
  if (result.non2xx) throw new Error(`${target.name}: ${result.non2xx} non-2xx answers`);
  // On a saturated machine a few requests can outlast autocannon's 10 s: said, not hidden.
  if (result.errors || result.timeouts)
    log(`  ${target.name}: ${result.errors} errors, ${result.timeouts} timeouts (not counted)`);
  const cpuMsPerRequest =
    cpuBefore === null || cpuAfter === null || result.requests.total === 0
      ? null
      : ((cpuAfter - cpuBefore) * 1000) / result.requests.total;
  return {
    reqPerSec: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerRequest,
    postgresMsPerRequest: postgresMsPerRequest(
      postgresBefore,
      postgresAfter,
      result.requests.total,
    ),
    responseCache,
  };
}

/**
 * user + system CPU seconds of each PostgreSQL backend serving `database` (the server runs on
 * this machine), by pid; null when it cannot be read. Harmony's background work (job polling,
 * the signals pump) runs on the same database during both servers' loads.
 */
async function backendCpuSeconds(database: string): Promise<Map<number, number> | null> {
  const pids = await withAdmin(ADMIN_URL, (admin) =>
    admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]),
  ).catch(() => null);
  if (!pids) return null;
  const seconds = new Map<number, number>();
  for (const { pid } of pids.rows) {
    const cpu = processCpuSeconds(pid);
    if (cpu !== null) seconds.set(pid, cpu);
  }
  return seconds.size ? seconds : null;
}

function postgresMsPerRequest(
  before: Map<number, number> | null,
  after: Map<number, number> | null,
  requests: number,
): number | null {
  if (!before || !after || requests === 0) return null;
  let seconds = 0;
  // A backend opened during the load counts whole; one closed during it is lost (pools keep theirs).
  for (const [pid, cpu] of after) seconds += cpu - (before.get(pid) ?? 0);
  return (seconds * 1000) / requests;
}

function describe(name: string, load: Load): string {
  const cpu =
    (load.cpuMsPerRequest === null
      ? ''
      : `, server CPU ${load.cpuMsPerRequest.toFixed(2)} ms/req`) +
    (load.postgresMsPerRequest == null
      ? ''
      : `, PostgreSQL CPU ${load.postgresMsPerRequest.toFixed(2)} ms/req`);
  const cache =
    load.responseCache &&
    !('none' in load.responseCache && Object.keys(load.responseCache).length === 1)
      ? `, response cache ${JSON.stringify(load.responseCache)}`
      : '';
  return `${name}: ${Math.round(load.reqPerSec)} req/s, p50 ${load.p50} ms, p99 ${load.p99} ms${cpu}${cache}`;
}

/** Both servers must answer the same page: the same accounts, the same emails. */
async function assertSamePage(harmony: Target, postgraphile: Target): Promise<void> {
  const h = await postJson(harmony.url, harmony.headers, harmony.body);
  const p = await postJson(postgraphile.url, postgraphile.headers, postgraphile.body);
  assertAnswered('harmony page', h);
  assertAnswered('postgraphile page', p);
  const harmonyPage = h.body.data.accounts.edges.map((e: any) => ({
    name: e.node.name,
    emails: e.node.users.map((u: any) => u.email).sort(),
  }));
  const postgraphilePage = p.body.data.allAccounts.nodes.map((n: any) => ({
    name: n.name,
    emails: n.membershipsByAccountId.nodes
      .filter((m: any) => m.userByUserId && m.userByUserId.deletedAt === null)
      .map((m: any) => m.userByUserId.email)
      .sort(),
  }));
  if (JSON.stringify(harmonyPage) !== JSON.stringify(postgraphilePage)) {
    throw new Error('harmony and postgraphile answer different pages');
  }
  const emails = harmonyPage.reduce(
    (sum: number, a: { emails: string[] }) => sum + a.emails.length,
    0,
  );
  log(`same page on both: ${harmonyPage.length} accounts, ${emails} user emails`);
}

type Answer = { status: number; text: string; body: any; cache: string | null };

function postJson(url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  return fetch(url, { method: 'POST', headers, body }).then(async (response) => {
    const text = await response.text();
    return {
      status: response.status,
      text,
      body: JSON.parse(text),
      cache: response.headers.get('x-harmony-response-cache'),
    };
  });
}

function assertAnswered(what: string, answer: Answer): void {
  if (answer.status !== 200 || answer.body.errors) {
    throw new Error(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
  }
}

/** user + system CPU seconds of a process on this machine, or null (not Linux, gone). */
function processCpuSeconds(pid: number): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 600; i++) {
    if (exited) throw new Error(`${url}: the server exited before answering`);
    const ok = await fetch(url).then(
      (response) => response.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url}: no answer within 60 s`);
}

function firstMessage<T>(child: ChildProcess, name: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code})`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send('stop');
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 }))
      keys.push(...batch);
    if (keys.length) await redis.del(keys);
  } finally {
    await redis.quit();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function adminUrlFrom(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'postgres://postgres@127.0.0.1:5432/postgres';
  return withDatabase(databaseUrl, 'postgres');
}

(process.argv[2] === BARE ? serveBare() : main()).catch((error) => {
  process.stderr.write(`bench:api failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
