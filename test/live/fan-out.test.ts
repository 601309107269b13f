import type { DataSource } from 'typeorm';
import { connectRedis, type RedisClient } from '../../src/cache/redis-client';
import { loadConfig } from '../../src/config/config';
import { createDataSource } from '../../src/db/data-source';
import { entities } from '../../src/domain/entities';
import { createServer, type HarmonyServer } from '../../src/server/app';
import { createServices, type Services } from '../../src/server/services';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { connectLive, eventually, subscribe, type LiveSubscription } from './support/live-client';
import { startRedisProcess, type RedisProcess } from './support/redis-process';

/**
 * Two server processes' worth of Harmony (two servers, each with its own pool, Redis clients and
 * PostgreSQL listeners) on one database and one Redis prefix: a change reaches the clients of
 * both, computed once; with Redis killed it still reaches both, and Redis coming back resumes
 * the shared path.
 */
type Node = {
  server: HarmonyServer;
  services: Services;
  dataSource: DataSource;
  redis: RedisClient;
  baseUrl: string;
  /** SQL statements this node ran that compute MRR. */
  mrrStatements(): number;
};

let db: TestDatabase;
let redisProcess: RedisProcess;
let nodes: Node[];
let adminKey: string;
let readKey: string;

async function startNode(prefix: string): Promise<Node> {
  const statements: string[] = [];
  const dataSource = createDataSource({
    url: db.url,
    statementTimeoutMs: 30_000,
    poolSize: 4,
    entities,
    onQuery: (sql) => statements.push(sql),
  });
  await dataSource.initialize();
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const config = {
    ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, REDIS_URL: redisProcess.url }),
    livePrefix: prefix,
  };
  const redis = await connectRedis(redisProcess.url, logger);
  const services = createServices(dataSource, config, redis);
  const server = await createServer(services, logger);
  const port = await server.listen(0, '127.0.0.1');
  return {
    server,
    services,
    dataSource,
    redis,
    baseUrl: `http://127.0.0.1:${port}`,
    mrrStatements: () => statements.filter((sql) => sql.includes('instants AS (')).length,
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  redisProcess = await startRedisProcess();
  const prefix = `test:fanout:${process.pid}:`;
  nodes = [await startNode(prefix), await startNode(prefix)];
  adminKey = (await nodes[0].services.apiKeys.create('admin', ['admin'])).key;
  readKey = (await nodes[0].services.apiKeys.create('dashboard', ['read'])).key;
  await graphql(
    nodes[0],
    `
      mutation {
        upsertPlan(
          input: { code: "growth", name: "Growth", interval: MONTH, price: 199, isPaid: true }
        ) {
          code
        }
        upsertAccount(input: { externalId: "acme", name: "Acme" }) {
          id
        }
      }
    `,
  );
});
afterAll(async () => {
  for (const node of nodes) {
    await node.server.close();
    node.redis.destroy();
    await node.dataSource.destroy();
  }
  await redisProcess.kill();
  await db.drop();
});

async function graphql(node: Node, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${node.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as any;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Adds a subscription in force from `startedAt` on: June's MRR grows by `mrr`. */
function addSubscription(node: Node, externalId: string, mrr: number) {
  return graphql(
    node,
    `
      mutation ($input: UpsertSubscriptionInput!) {
        upsertSubscription(input: $input) {
          id
        }
      }
    `,
    {
      input: {
        externalId,
        accountExternalId: 'acme',
        planCode: 'growth',
        mrr,
        startedAt: '2025-01-15T00:00:00Z',
      },
    },
  );
}

const MRR_JUNE = `subscription {
  metricChanged(name: "mrr", window: { from: "2025-06-01T00:00:00Z", to: "2025-07-01T00:00:00Z" }) { value previousValue }
}`;

async function valueOf(subscription: LiveSubscription<any>) {
  return (await subscription.next(20_000)).data.metricChanged;
}

test('a change reaches clients of both servers through Redis, computed by one of them', async () => {
  expect(nodes.map((node) => node.services.live.fanOut)).toEqual(['redis', 'redis']);
  const clients = nodes.map((node) => connectLive(node.baseUrl, readKey).client);
  const live = clients.map((client) => subscribe(client, MRR_JUNE));
  for (const subscription of live)
    expect(await valueOf(subscription)).toEqual({ value: 0, previousValue: null });
  // Let the lease settle on one node (each computed its first value itself).
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = nodes.map((node) => node.mrrStatements());

  await addSubscription(nodes[1], 'acme-1', 100);
  for (const subscription of live)
    expect(await valueOf(subscription)).toEqual({ value: 100, previousValue: 0 });
  const computed = nodes.map((node, index) => node.mrrStatements() - before[index]);
  expect(computed.sort()).toEqual([0, 1]);

  // Redis killed: each server now computes for itself, woken by PostgreSQL; nothing is lost.
  await redisProcess.kill();
  await eventually(() => nodes.every((node) => node.services.live.fanOut === 'process'));
  await addSubscription(nodes[0], 'acme-2', 50);
  for (const subscription of live)
    expect(await valueOf(subscription)).toEqual({ value: 150, previousValue: 100 });
  await addSubscription(nodes[1], 'acme-3', 25);
  for (const subscription of live)
    expect(await valueOf(subscription)).toEqual({ value: 175, previousValue: 150 });

  // Redis back: the shared path resumes on its own.
  await redisProcess.restart();
  await eventually(() => nodes.every((node) => node.services.live.fanOut === 'redis'), 20_000);
  await addSubscription(nodes[0], 'acme-4', 5);
  for (const subscription of live)
    expect(await valueOf(subscription)).toEqual({ value: 180, previousValue: 175 });
  for (const subscription of live) expect(subscription.buffered).toBe(0);
  await Promise.all(clients.map((client) => client.dispose()));
});
