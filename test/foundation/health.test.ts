import { connectRedis, type RedisClient } from '../../src/cache/redis-client';
import { loadConfig } from '../../src/config/config';
import { createServer, type HarmonyServer } from '../../src/server/app';
import { createServices } from '../../src/server/services';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { redisUrl } from '../support/urls';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** Starts a server whose Redis client points at `url`, and returns its /health answer. */
async function healthWithRedis(url: string): Promise<{ status: number; body: unknown }> {
  const logger = createLogger('silent');
  const redis: RedisClient = await connectRedis(url, logger);
  const services = createServices(
    db.dataSource,
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url }),
    redis,
  );
  const server: HarmonyServer = await createServer(services, logger);
  const port = await server.listen(0, '127.0.0.1');
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return { status: response.status, body: await response.json() };
  } finally {
    await server.close();
    await redis.destroy();
  }
}

test('health says ok with Redis up', async () => {
  const { status, body } = await healthWithRedis(redisUrl());
  expect(status).toBe(200);
  expect(body).toMatchObject({ status: 'ok', database: 'up', redis: 'up', cache: 'redis' });
});

test('health says degraded, still 200, when Redis is down', async () => {
  const { status, body } = await healthWithRedis('redis://127.0.0.1:1');
  expect(status).toBe(200);
  expect(body).toMatchObject({
    status: 'degraded',
    database: 'up',
    redis: 'down',
    cache: 'degraded',
  });
});
