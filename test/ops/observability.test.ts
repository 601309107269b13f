import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/config';
import { createServer, type HarmonyServer } from '../../src/server/app';
import {
  requestScopedLogger,
  runInRequestScope,
} from '../../src/server/observability/request-context';
import { createServices } from '../../src/server/services';
import { postIngest } from '../ingest/support/ingest-helpers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const TOKEN = 'metrics-token-0123456789abcdef-0123456789';

let db: TestDatabase;
let server: HarmonyServer;
let baseUrl: string;
let keys: { admin: string; ingest: string; read: string };
const logLines: Array<Record<string, unknown>> = [];

/** A pino logger whose lines land in `lines`. */
function capturingLogger(lines: Array<Record<string, unknown>>) {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'info' }, stream);
}

beforeAll(async () => {
  db = await createTestDatabase();
  const config = {
    ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url }),
    metricsToken: TOKEN,
  };
  const services = createServices(db.dataSource, config);
  server = await createServer(services, capturingLogger(logLines));
  baseUrl = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  keys = {
    admin: (await services.apiKeys.create('obs admin', ['admin'])).key,
    ingest: (await services.apiKeys.create('obs ingest', ['ingest'])).key,
    read: (await services.apiKeys.create('obs read', ['read'])).key,
  };
});
afterAll(async () => {
  await server.close();
  await db.drop();
});

const scrape = (authorization?: string) =>
  fetch(`${baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });

/** The value of one sample line, e.g. `name{label="x"} 3`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function graphql(query: string, key = keys.admin) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('GET /metrics', () => {
  test('needs the metrics token or an admin key', async () => {
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      errors: [
        {
          message:
            'GET /metrics needs "Authorization: Bearer <HARMONY_METRICS_TOKEN or an admin API key>"',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    const read = await scrape(`Bearer ${keys.read}`);
    expect(read.status).toBe(403);
    expect(((await read.json()) as any).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await scrape(`Bearer ${TOKEN.slice(0, -1)}x`)).status).toBe(401);

    for (const credential of [TOKEN, keys.admin]) {
      const ok = await scrape(`Bearer ${credential}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    }
  });

  test('counts HTTP requests, GraphQL operations, ingested messages, errors, and shows the pool', async () => {
    const before = await (await scrape(`Bearer ${TOKEN}`)).text();
    expect(
      (await graphql('query AccountsPage { accounts(first: 1) { edges { node { id } } } }')).status,
    ).toBe(200);
    expect(
      (await graphql('query AccountsPage { accounts(first: 2) { edges { node { id } } } }')).status,
    ).toBe(200);
    expect((await graphql('{ nope }')).body.errors[0].extensions.code).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    const batch = [
      { type: 'track', userId: 'obs-1', event: 'Opened', messageId: 'obs-m1' },
      { type: 'track', userId: 'obs-1', event: 'Opened', messageId: 'obs-m2' },
      { type: 'track', userId: 'obs-1', messageId: 'obs-m3' }, // no event: rejected
    ];
    expect((await postIngest(baseUrl, 'batch', { batch }, keys.ingest)).body).toMatchObject({
      stored: 2,
      duplicates: 0,
    });
    expect(
      (await postIngest(baseUrl, 'batch', { batch: [batch[0]] }, keys.ingest)).body,
    ).toMatchObject({
      stored: 0,
      duplicates: 1,
    });
    expect((await postIngest(baseUrl, 'batch', { batch }, 'wrong-key')).status).toBe(401);

    const after = await (await scrape(`Bearer ${TOKEN}`)).text();
    // Counters grow across the file's tests: compare with the scrape taken before.
    const grew = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    const text = after;
    expect(
      grew(
        'harmony_graphql_operation_duration_seconds_count{operation="AccountsPage",type="query",outcome="ok"}',
      ),
    ).toBe(2);
    expect(
      grew(
        'harmony_graphql_operation_duration_seconds_count{operation="anonymous",type="none",outcome="error"}',
      ),
    ).toBe(1);
    expect(
      grew(
        'harmony_http_request_duration_seconds_count{method="POST",route="/graphql",status="200"}',
      ),
    ).toBe(2);
    expect(
      grew(
        'harmony_http_request_duration_seconds_count{method="POST",route="/v1/batch",status="200"}',
      ),
    ).toBe(2);
    expect(
      grew(
        'harmony_http_request_duration_seconds_count{method="POST",route="/v1/batch",status="401"}',
      ),
    ).toBe(1);
    expect(grew('harmony_ingest_messages_total{outcome="stored"}')).toBe(2);
    expect(grew('harmony_ingest_messages_total{outcome="duplicate"}')).toBe(1);
    expect(grew('harmony_ingest_messages_total{outcome="rejected"}')).toBe(1);
    expect(grew('harmony_ingest_rejections_total{reason="missing_event"}')).toBe(1);
    expect(grew('harmony_errors_total{code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    expect(grew('harmony_errors_total{code="UNAUTHENTICATED"}')).toBe(1);
    expect(sample(text, 'harmony_db_pool_max')).toBe(5); // the test database's pool
    expect(sample(text, 'harmony_db_pool_waiting')).toBe(0);
    expect(sample(text, 'harmony_db_pool_connections{state="in_use"}')).toBe(0);
    expect(sample(text, 'harmony_db_pool_connections{state="idle"}')).toBeGreaterThan(0);
    expect(sample(text, 'harmony_ingest_queued_messages')).toBe(0);
    expect(sample(text, 'harmony_metric_statements{state="waiting"}')).toBe(0);
    expect(text).toContain('\nprocess_cpu_user_seconds_total ');
  });

  test('client-chosen operation names cannot grow the label set without bound', async () => {
    for (let i = 0; i < 205; i++) await graphql(`query Op${i} { __typename }`);
    const text = await (await scrape(`Bearer ${TOKEN}`)).text();
    const names = new Set(
      [
        ...text.matchAll(/harmony_graphql_operation_duration_seconds_count\{operation="([^"]+)"/g),
      ].map((m) => m[1]),
    );
    expect(names.size).toBeLessThanOrEqual(202); // 200 names, `anonymous`, `other`
    expect(names.has('other')).toBe(true);
  });
});

describe('request ids', () => {
  test('a plain X-Request-Id is echoed and carried by the request log line', async () => {
    const response = await fetch(`${baseUrl}/health`, { headers: { 'x-request-id': 'lb-42.a:b' } });
    expect(response.headers.get('x-request-id')).toBe('lb-42.a:b');
    await response.json();
    await new Promise((resolve) => setImmediate(resolve));
    expect(logLines).toContainEqual(
      expect.objectContaining({
        requestId: 'lb-42.a:b',
        msg: 'request completed',
        route: '/health',
        status: 200,
        method: 'GET',
      }),
    );
  });

  test('a missing, long or unsafe X-Request-Id is replaced by a generated one', async () => {
    for (const header of [undefined, 'x'.repeat(129), 'a b', 'id\u00e9']) {
      const response = await fetch(`${baseUrl}/ready`, {
        headers: header === undefined ? {} : { 'x-request-id': header },
      });
      expect(response.headers.get('x-request-id')).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  test("the server's logger writes through the request's child logger inside a request", () => {
    const lines: Array<Record<string, unknown>> = [];
    const root = capturingLogger(lines);
    const logger = requestScopedLogger(root);
    logger.warn('outside');
    runInRequestScope({ requestId: 'r-1', logger: root.child({ requestId: 'r-1' }) }, () =>
      logger.warn('inside'),
    );
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['outside', undefined],
      ['inside', 'r-1'],
    ]);
  });
});
