import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { createServer } from '../../src/server/app';
import { createServices } from '../../src/server/services';
import { createLogger } from '../../src/shared/logger';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Two "processes" over one database: the server's ApiKeyService and another one. A change made
 * through either (or by SQL) reaches the other through LISTEN/NOTIFY, not by waiting out a TTL.
 */
let t: TestServer;
let other: ApiKeyService;
const logger = createLogger('silent');
beforeAll(async () => {
  t = await startTestServer();
  other = new ApiKeyService(t.db.dataSource);
  await other.startListening(logger);
});
afterAll(async () => {
  await other.stopListening();
  await t.close();
});

/** Polls briefly (the notification arrives in milliseconds; verdicts live 60 s otherwise). */
async function eventually<T>(read: () => Promise<T>, expected: T | 'cached'): Promise<T> {
  const done = (value: T) =>
    expected === 'cached' ? value !== undefined : isEqual(value, expected);
  let value = await read();
  for (let attempt = 0; attempt < 100 && !done(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}
const isEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The api-key listeners only: other listeners (signals, live, cache) have names of their own. */
const listenerConnections = async () =>
  Number(
    (
      await t.db.dataSource.query(
        `SELECT count(*) AS n FROM pg_stat_activity
         WHERE application_name = 'harmony-key-listener' AND datname = current_database()`,
      )
    )[0].n,
  );

/**
 * Authenticates in `service` until the verdict comes from its cache (no statement): a key's own
 * creation is announced too, and that notification may evict the first verdict.
 */
async function cachedIn(service: ApiKeyService, key: string) {
  const fromCache = async () => {
    const principal = await service.authenticate(key);
    t.db.statements.length = 0;
    expect(await service.authenticate(key)).toEqual(principal);
    return t.db.statements.length === 0 ? principal : undefined;
  };
  const principal = await eventually(fromCache, 'cached');
  expect(principal).toBeDefined();
  return principal;
}

test('both services listen on their own connection', async () => {
  expect(t.services.apiKeys.listening).toBe(true);
  expect(other.listening).toBe(true);
  expect(await listenerConnections()).toBe(2);
});

test('a key revoked through one process is refused by the other right after', async () => {
  const { key, record } = await t.services.apiKeys.create('revoked elsewhere', ['read']);
  expect(await cachedIn(other, key)).toMatchObject({ name: 'revoked elsewhere' });
  expect(await t.services.apiKeys.revoke(record.id)).toBe(1);
  expect(await eventually(() => other.authenticate(key), null)).toBeNull();

  // And the other way round, through the HTTP server.
  const second = await other.create('revoked here', ['read']);
  const request = () => t.graphql('{ __typename }', {}, second.key).then((answer) => answer.status);
  expect(await request()).toBe(200);
  expect(await other.revoke(second.record.id)).toBe(1);
  expect(await eventually(request, 401)).toBe(401);
});

test('a revocation or a scope change made in SQL by an operator reaches every process', async () => {
  const { key, record } = await other.create('changed by hand', ['read']);
  expect(await cachedIn(other, key)).toMatchObject({ scopes: ['read'] });
  expect(await cachedIn(t.services.apiKeys, key)).toMatchObject({ scopes: ['read'] });
  await t.db.dataSource.query(`UPDATE api_keys SET scopes = '{read,sync}' WHERE id = $1`, [
    record.id,
  ]);
  const scopes = async () => (await other.authenticate(key))?.scopes;
  expect(await eventually(scopes, ['read', 'sync'])).toEqual(['read', 'sync']);

  await t.db.dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [record.id]);
  expect(await eventually(() => other.authenticate(key), null)).toBeNull();
  expect(await eventually(() => t.services.apiKeys.authenticate(key), null)).toBeNull();
});

test('a lost listener connection is re-established, and revocations are heard again', async () => {
  const { key, record } = await t.services.apiKeys.create('after reconnect', ['read']);
  await t.db.dataSource.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE application_name = 'harmony-key-listener' AND datname = current_database()`,
  );
  expect(await eventually(async () => other.listening, true)).toBe(true);
  expect(await eventually(async () => t.services.apiKeys.listening, true)).toBe(true);
  expect(await eventually(listenerConnections, 2)).toBe(2);

  expect(await cachedIn(other, key)).toMatchObject({ name: 'after reconnect' });
  await t.services.apiKeys.revoke(record.id);
  expect(await eventually(() => other.authenticate(key), null)).toBeNull();
});

test("the server's close closes its listener connection", async () => {
  const services = createServices(t.db.dataSource, t.services.config);
  const server = await createServer(services, logger);
  expect(services.apiKeys.listening).toBe(true);
  expect(await listenerConnections()).toBe(3);
  await server.close();
  expect(services.apiKeys.listening).toBe(false);
  expect(await eventually(listenerConnections, 2)).toBe(2);
});
