import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { RedisClient } from '../../src/cache/redis-client';
import { loadFixture } from '../metrics/support/fixture';
import { startTestServer, type TestServer } from '../support/test-server';
import { mrrAt, testRedis, uniquePrefix } from './support/cache-fixture';

/**
 * Redis killed under load fails no request: answers come from PostgreSQL meanwhile, /health says
 * degraded, and once the same Redis is back the cache fills and hits again on its own. The Redis
 * server is this test's own (a free port), so killing it disturbs nothing else.
 */
const MARCH = '{ from: "2025-03-01T00:00:00Z", to: "2025-04-01T00:00:00Z" }';
const MRR_QUERY = `{ metric(name: "mrr", window: ${MARCH}) { total freshness { cacheHit source } } }`;

let port: number;
let redisProcess: ChildProcess | undefined;
let redis: RedisClient;
let t: TestServer;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port: chosen } = server.address() as net.AddressInfo;
      server.close(() => resolve(chosen));
    });
    server.on('error', reject);
  });
}

async function startRedis(): Promise<void> {
  redisProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    'redis-server to accept connections',
  );
}

async function killRedis(): Promise<void> {
  const child = redisProcess!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  redisProcess = undefined;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function health(): Promise<{ status: string; cache: string }> {
  return (await fetch(`${t.baseUrl}/health`)).json() as Promise<{ status: string; cache: string }>;
}

/** `rounds` × `concurrency` identical queries; every one must answer 200 with the SQL value. */
async function load(rounds: number, concurrency: number, expected: number) {
  const sources: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const answers = await Promise.all(
      Array.from({ length: concurrency }, () => t.graphql(MRR_QUERY)),
    );
    for (const { status, body } of answers) {
      expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
      expect(body.data.metric.total).toBe(expected);
      sources.push(body.data.metric.freshness.source);
    }
  }
  return sources;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  redis = await testRedis(`redis://127.0.0.1:${port}`);
  t = await startTestServer({ cachePrefix: uniquePrefix('redis-outage') }, { redis });
  await loadFixture(t.db.dataSource);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await redis?.quit().catch(() => undefined);
  redisProcess?.kill('SIGKILL');
});

test('Redis killed under load fails no request; the cache comes back with Redis', async () => {
  const expected = await mrrAt(t.db.dataSource, '2025-03-01T00:00:00Z');
  expect(expected).toBe(310); // the fixture's hand-worked March MRR

  // Warm: the first answer is computed, the next ones are hits.
  const warm = await load(2, 5, expected);
  expect(warm.filter((source) => source === 'CACHE').length).toBeGreaterThanOrEqual(5);
  expect(await health()).toMatchObject({ status: 'ok', cache: 'redis' });

  // Kill Redis while queries are in flight, and keep the load going after it is gone.
  const inFlight = load(5, 10, expected);
  await killRedis();
  const during = [...(await inFlight), ...(await load(5, 10, expected))];
  expect(during).toHaveLength(100);
  // Once Redis is gone, answers come from PostgreSQL (the ones already in flight may be hits).
  expect(during.slice(-10)).toEqual(Array(10).fill('DATABASE'));
  await waitFor(async () => (await health()).status === 'degraded', '/health to say degraded');
  expect(await health()).toMatchObject({ status: 'degraded' });

  // Redis back on the same port (empty: it keeps nothing on disk): hits resume on their own.
  await startRedis();
  await waitFor(async () => {
    const sources = await load(1, 3, expected);
    return sources.includes('CACHE');
  }, 'cache hits after Redis came back');
  await waitFor(async () => (await health()).status === 'ok', '/health to say ok again');
  expect(await health()).toMatchObject({ status: 'ok', cache: 'redis' });
}, 120_000);
