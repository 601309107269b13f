import type { AddressInfo } from 'node:net';
import type { RedisClient } from '../../src/cache/redis-client';
import { loadConfig, type Config } from '../../src/config/config';
import { createServer, type HarmonyServer } from '../../src/server/app';
import { createServices, type Services } from '../../src/server/services';
import { createLogger } from '../../src/shared/logger';
import type { ApiKeyScope } from '../../src/domain/api-key/api-key.entity';
import { createDemoTestDatabase, createTestDatabase, type TestDatabase } from './test-database';
import type { PinnedDemo } from './demo-template';

export type TestServer = {
  db: TestDatabase;
  services: Services;
  server: HarmonyServer;
  baseUrl: string;
  /** An admin key, and a key per scope, for requests. */
  keys: Record<ApiKeyScope, string>;
  /** POSTs a GraphQL operation with a key (admin by default); returns status and body. */
  graphql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string,
  ): Promise<{ status: number; body: T }>;
  /** Runs a GraphQL operation that must succeed and returns its data. */
  query<T = any>(query: string, variables?: Record<string, unknown>, key?: string): Promise<T>;
  close(): Promise<void>;
};

/**
 * A Harmony server on a random port over a fresh database, for one test file. With `redis`,
 * its answer cache is on that client (give a unique `cachePrefix` in `overrides`). With
 * `demoData`, the database already holds that demo data set, as `loadDemoData` writes it.
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  options: { redis?: RedisClient; demoData?: PinnedDemo } = {},
): Promise<TestServer> {
  const db = options.demoData
    ? (await createDemoTestDatabase(options.demoData)).db
    : await createTestDatabase();
  const config = { ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url }), ...overrides };
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const services = createServices(db.dataSource, config, options.redis);
  const server = await createServer(services, logger);
  const port = await server.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const keys = {} as Record<ApiKeyScope, string>;
  for (const scope of ['ingest', 'read', 'sync', 'admin'] as const) {
    keys[scope] = (await services.apiKeys.create(`test ${scope}`, [scope])).key;
  }
  const graphql = async (query: string, variables?: Record<string, unknown>, key = keys.admin) => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return {
    db,
    services,
    server,
    baseUrl,
    keys,
    graphql,
    query: async (query, variables, key) => {
      const { status, body } = await graphql(query, variables, key);
      if (body.errors)
        throw new Error(`GraphQL errors (HTTP ${status}): ${JSON.stringify(body.errors)}`);
      return body.data;
    },
    close: async () => {
      await server.close();
      await db.drop();
    },
  };
}

export function portOf(server: HarmonyServer): number {
  return (server.httpServer.address() as AddressInfo).port;
}
