import { loadConfig } from '../../src/config/config';
import { createDataSource } from '../../src/db/data-source';
import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { entities } from '../../src/domain/entities';
import { createServer, type HarmonyServer } from '../../src/server/app';
import { createServices, type Services } from '../../src/server/services';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

const ACCOUNTS = '{ accounts(first: 1) { edges { node { id } } } }';
const TRACK = { batch: [{ type: 'track', userId: 'u-1', event: 'Opened', messageId: 'm-1' }] };

let db: TestDatabase;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await db.drop();
});

/** A server whose data source is `url` with the given pool; keys are checked against `keysFrom`. */
async function serverOver(
  url: string,
  pool: { size: number; acquireTimeoutMs: number },
  keysFrom?: ApiKeyService,
): Promise<{ baseUrl: string; services: Services; server: HarmonyServer }> {
  const dataSource = createDataSource({
    url,
    statementTimeoutMs: 30_000,
    poolSize: pool.size,
    acquireTimeoutMs: pool.acquireTimeoutMs,
    entities,
  });
  await dataSource.initialize();
  const services = createServices(dataSource, loadConfig({ NODE_ENV: 'test', DATABASE_URL: url }));
  if (keysFrom) services.apiKeys = keysFrom;
  const server = await createServer(services, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const port = await server.listen(0, '127.0.0.1');
  cleanups.push(
    () => server.close(),
    () => (dataSource.isInitialized ? dataSource.destroy() : Promise.resolve()),
  );
  return { baseUrl: `http://127.0.0.1:${port}`, services, server };
}

async function graphql(baseUrl: string, key: string, query = ACCOUNTS) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as any,
  };
}

async function ingest(baseUrl: string, key: string) {
  const response = await fetch(`${baseUrl}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
    },
    body: JSON.stringify(TRACK),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as any,
  };
}

/** A proxy to the test PostgreSQL, closed at the end of the file at the latest. */
async function startPostgresProxy(): Promise<TcpProxy> {
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  cleanups.push(() => proxy.close());
  return proxy;
}

function proxiedUrl(proxy: TcpProxy): string {
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

describe('PostgreSQL unreachable', () => {
  let proxy: TcpProxy;
  let keys: ApiKeyService;
  let admin: string;
  let writeKey: string;
  beforeAll(async () => {
    keys = new ApiKeyService(db.dataSource);
    admin = (await keys.create('ops admin', ['admin'])).key;
    writeKey = (await keys.create('ops ingest', ['ingest'])).key;
    proxy = await startPostgresProxy();
  });

  test('GraphQL, /v1/batch and /health answer 503 (Retry-After, SERVICE_UNAVAILABLE), not 500', async () => {
    // Keys are checked on the real database, so the failure happens inside the resolvers and
    // the ingest writer, where only the data source is gone.
    const { baseUrl } = await serverOver(
      proxiedUrl(proxy),
      { size: 3, acquireTimeoutMs: 2000 },
      keys,
    );
    expect((await graphql(baseUrl, admin)).status).toBe(200);
    await proxy.close();

    const query = await graphql(baseUrl, admin);
    expect(query.status).toBe(503);
    expect(query.retryAfter).toBe('5');
    expect(query.body.errors[0].extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfterSeconds: 5,
    });
    expect(query.body.errors[0].message).toMatch(/^PostgreSQL is unavailable \(/);

    const batch = await ingest(baseUrl, writeKey);
    expect(batch).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: { success: false, errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] },
    });

    const health = await fetch(`${baseUrl}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'down', database: 'down' });
  });

  test('a key check that cannot reach PostgreSQL answers 503 on /graphql and /v1', async () => {
    const second = await startPostgresProxy();
    // This server checks keys itself, through the proxy, and has not seen these keys yet.
    const { baseUrl } = await serverOver(proxiedUrl(second), { size: 2, acquireTimeoutMs: 2000 });
    await second.close();
    const query = await graphql(baseUrl, admin);
    const batch = await ingest(baseUrl, writeKey);
    expect([query.status, query.retryAfter, query.body.errors?.[0]?.extensions?.code]).toEqual([
      503,
      '5',
      'SERVICE_UNAVAILABLE',
    ]);
    expect([batch.status, batch.retryAfter, batch.body.errors?.[0]?.extensions?.code]).toEqual([
      503,
      '5',
      'SERVICE_UNAVAILABLE',
    ]);
  });
});

describe('pool exhausted', () => {
  test('a request that gets no connection within the acquire timeout answers 503, then recovers', async () => {
    const keys = new ApiKeyService(db.dataSource);
    const admin = (await keys.create('pool admin', ['admin'])).key;
    const writeKey = (await keys.create('pool ingest', ['ingest'])).key;
    const { baseUrl, services } = await serverOver(
      db.url,
      { size: 1, acquireTimeoutMs: 300 },
      keys,
    );
    const holder = services.dataSource.createQueryRunner();
    await holder.connect(); // the pool's only connection
    try {
      const query = await graphql(baseUrl, admin);
      expect(query.status).toBe(503);
      expect(query.retryAfter).toBe('2');
      expect(query.body.errors[0]).toMatchObject({
        message: expect.stringContaining('HARMONY_DB_ACQUIRE_TIMEOUT_MS'),
        extensions: { code: 'SERVICE_UNAVAILABLE', limit: 'HARMONY_DB_ACQUIRE_TIMEOUT_MS' },
      });
      const batch = await ingest(baseUrl, writeKey);
      expect([batch.status, batch.retryAfter, batch.body.errors[0].extensions.code]).toEqual([
        503,
        '2',
        'SERVICE_UNAVAILABLE',
      ]);
      // PostgreSQL is up; this process is at capacity: degraded, not down.
      const health = await fetch(`${baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'degraded', database: 'busy' });
    } finally {
      await holder.release();
    }
    expect((await graphql(baseUrl, admin)).status).toBe(200);
    const after = await ingest(baseUrl, writeKey);
    expect(after.body).toMatchObject({ success: true, stored: 1 });
  });

  test('every connection ends a transaction left idle for the configured time', async () => {
    const dataSource = createDataSource({
      url: db.url,
      statementTimeoutMs: 30_000,
      poolSize: 1,
      idleInTransactionTimeoutMs: 1000,
      entities,
    });
    await dataSource.initialize();
    cleanups.push(() => dataSource.destroy());
    const [{ idle_in_transaction_session_timeout: value }] = await dataSource.query(
      'SHOW idle_in_transaction_session_timeout',
    );
    expect(value).toBe('1s');
  });
});
