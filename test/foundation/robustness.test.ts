import { getIntrospectionQuery } from 'graphql';
import { ConfigError, loadConfig } from '../../src/config/config';
import { createDataSource } from '../../src/db/data-source';
import { startTestServer, type TestServer } from '../support/test-server';
import { entities } from '../../src/domain/entities';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe('configuration', () => {
  test('defaults need no environment at all', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: undefined,
      redisUrl: undefined,
      port: 4000,
      host: '0.0.0.0',
      migrateOnStart: true,
      maxPageSize: 100,
      statementTimeoutMs: 15000,
    });
  });

  test('a bad value names the variable and what was expected', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://localhost/db',
        HARMONY_MIGRATE: 'maybe',
      });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL: must start with postgres:// or postgresql://');
      expect(message).toContain('HARMONY_MIGRATE');
    }
    expect(loadConfig({ HARMONY_MIGRATE: 'false' }).migrateOnStart).toBe(false);
  });
});

test('every statement has a timeout', async () => {
  const dataSource = createDataSource({
    url: t.db.url,
    statementTimeoutMs: 200,
    poolSize: 1,
    entities,
  });
  await dataSource.initialize();
  try {
    await expect(dataSource.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
  } finally {
    await dataSource.destroy();
  }
});

test('a body that is not JSON gets a 400 JSON error', async () => {
  const response = await fetch(`${t.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.read}` },
    body: '{ not json',
  });
  expect(response.status).toBe(400);
  const body = (await response.json()) as any;
  expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
});

test('unknown paths get a JSON 404', async () => {
  const response = await fetch(`${t.baseUrl}/nope`);
  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({
    error: 'not_found',
    message: 'No such endpoint; GraphQL is at /graphql',
  });
});

test('too deep and too costly queries are refused before they run, with HTTP 400', async () => {
  const nest = (levels: number): string =>
    levels === 0 ? 'id' : `accounts(first: 1) { users(first: 1) { ${nest(levels - 1)} } }`;
  const tooDeep = await t.graphql(`{ user(externalId: "x") { ${nest(6)} } }`);
  expect(tooDeep.status).toBe(400);
  expect(tooDeep.body.errors[0]).toMatchObject({
    message: 'Query depth limit of 12 exceeded, found 14. Ask for fewer nested levels.',
    extensions: { code: 'QUERY_TOO_DEEP', limit: 12 },
  });
  const deepEnough = await t.graphql(`{ user(externalId: "x") { ${nest(5)} } }`);
  expect(deepEnough.body).toEqual({ data: { user: null } });

  // 100 accounts times 300 users each is 30,000 > 25,000.
  const tooCostly = await t.graphql(
    '{ accounts(first: 100) { edges { node { users(first: 300) { id } } } } }',
  );
  expect(tooCostly.status).toBe(400);
  expect(tooCostly.body.errors[0].extensions).toMatchObject({
    code: 'QUERY_TOO_COMPLEX',
    maximumComplexity: 25000,
  });
  const affordable = await t.graphql(
    '{ accounts(first: 100) { edges { node { users(first: 200) { id } } } } }',
  );
  expect(affordable.status).toBe(200);
  expect(affordable.body.errors).toBeUndefined();
});

test('a wrong-typed variable is a client error, not an internal one', async () => {
  const { status, body } = await t.graphql(
    'query($n: Int!) { accounts(first: $n) { edges { cursor } } }',
    { n: 'ten' },
  );
  expect(status).toBe(400);
  expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
});

test('the standard introspection query passes every limit', async () => {
  const { status, body } = await t.graphql(getIntrospectionQuery({ descriptions: true }));
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.__schema.queryType.name).toBe('Query');
});
