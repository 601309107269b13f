import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Client } from 'pg';
import type { RedisClient } from '../../src/cache/redis-client';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config';
import { createDataSource } from '../../src/db/data-source';
import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { entities } from '../../src/domain/entities';
import { createServer, type HarmonyServer } from '../../src/server/app';
import { createServices } from '../../src/server/services';
import { createLogger } from '../../src/shared/logger';
import { loadFixture } from '../metrics/support/fixture';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { adminUrl, redisUrl } from '../support/urls';
import { dropPrefix, mrrAt, testRedis, uniquePrefix } from './support/cache-fixture';
import { graphqlAt, startChildServer } from './support/child-process';

/**
 * Two server processes (this one and a child) on one database and one Redis prefix: 50
 * identical concurrent misses run the metric's SQL once, counted in PostgreSQL's own log
 * (log_statement = 'all' for this test's database only; with logging_collector off, the
 * server's stderr goes to this file).
 */
jest.setTimeout(180_000); // a child server starts in 5 s on an idle machine, 45 s on a loaded one
const POSTGRES_LOG = process.env.TEST_POSTGRES_LOG ?? '/var/log/postgresql/postgresql-15-main.log';
const WINDOW = '{ from: "2025-05-01T00:00:00Z", to: "2025-06-01T00:00:00Z" }';

let db: TestDatabase;
let redis: RedisClient;
let local: { dataSource: DataSource; server: HarmonyServer } | undefined;
const prefix = uniquePrefix('two-processes');
const children: ChildProcess[] = [];

beforeAll(async () => {
  fs.accessSync(POSTGRES_LOG, fs.constants.R_OK); // says which file is missing, if it is
  db = await createTestDatabase();
  redis = await testRedis();
  await loadFixture(db.dataSource);
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${db.name} SET log_statement = 'all'`);
  await admin.end();
});
afterAll(async () => {
  await local?.server.close();
  await local?.dataSource.destroy();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await dropPrefix(redis, prefix);
  await redis.quit();
  await db.drop();
});

/** The log entries (a line and its continuation lines) PostgreSQL wrote after `offset`. */
function logEntriesSince(offset: number): string[] {
  const text = fs.readFileSync(POSTGRES_LOG).subarray(offset).toString('utf8');
  return text.split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/);
}

test('50 identical concurrent misses across two server processes run the metric SQL once', async () => {
  // A generous Redis timeout: on a loaded test machine a 75 ms one makes lookups miss, and this
  // test is about the lock (redis-outage.test.ts is about timeouts).
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl(),
    HARMONY_CACHE_PREFIX: prefix,
    HARMONY_CACHE_COMMAND_TIMEOUT_MS: '2000',
  };
  const child = await startChildServer(env);
  children.push(child.child);
  // This process's server gets connections of its own, opened after log_statement was set.
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    HARMONY_CACHE_PREFIX: prefix,
  });
  const dataSource = createDataSource({
    url: db.url,
    statementTimeoutMs: 30_000,
    poolSize: 10,
    entities,
  });
  await dataSource.initialize();
  const server = await createServer(
    createServices(dataSource, config, redis),
    createLogger('silent'),
  );
  local = { dataSource, server };
  const servers = [child, { baseUrl: `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}` }];
  const { key } = await new ApiKeyService(db.dataSource).create('two processes', ['admin']);
  // Warm both (API key, catalog) on another metric, so the burst below is the first mrr query.
  for (const { baseUrl } of servers) {
    const warm = await graphqlAt(
      baseUrl,
      key,
      `{ metric(name: "arr", window: ${WINDOW}) { total } }`,
    );
    expect(warm.body.errors).toBeUndefined();
  }

  const offset = fs.statSync(POSTGRES_LOG).size;
  const query = `{ metric(name: "mrr", window: ${WINDOW}) { total sql freshness { source computedAt } } }`;
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) => graphqlAt(servers[i % 2].baseUrl, key, query)),
  );
  const expected = await mrrAt(db.dataSource, '2025-05-01T00:00:00Z');
  expect(expected).toBe(250); // the fixture's hand-worked May MRR
  for (const { status, body } of answers) {
    expect(status).toBe(200);
    expect(body.data.metric.total).toBe(expected);
  }
  const sources = answers.map((a) => a.body.data.metric.freshness.source);
  // The callers that shared the one computation say DATABASE; every other one, CACHE.
  expect(sources.every((s) => s === 'CACHE' || s === 'DATABASE')).toBe(true);
  const computedAt = new Set(answers.map((a) => a.body.data.metric.freshness.computedAt));
  expect(computedAt.size).toBe(1);

  await new Promise((resolve) => setTimeout(resolve, 500)); // let PostgreSQL flush its log
  const ours = logEntriesSince(offset).filter((entry) => entry.includes(`@${db.name} `));
  expect(ours.length).toBeGreaterThan(0); // logging is on for this database
  // The mrr statement, told apart from this test's own check (mrrAt) by its CTE's name.
  const metricRuns = ours.filter(
    (entry) => /LOG: {2}(execute|statement)/.test(entry) && entry.includes('subscription_mrr'),
  );
  // One computation of mrr runs these statements (the answer lists them); each ran once.
  const statements: string[] = answers[0].body.data.metric.sql;
  expect(statements.length).toBeGreaterThan(0);
  expect(statements.every((sql) => sql.includes('subscription_mrr'))).toBe(true);
  expect(metricRuns).toHaveLength(statements.length);
  expect(new Set(metricRuns.map((entry) => /\[(\d+)\]/.exec(entry)![1])).size).toBe(1);
});
