import { loadConfig } from '../../src/config/config';
import { createServer, type HarmonyServer } from '../../src/server/app';
import { createServices, type Services } from '../../src/server/services';
import { createLogger } from '../../src/shared/logger';
import { postIngest } from '../ingest/support/ingest-helpers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Logs never carry keys or personal data: read what the logger writes. */
const lines: string[] = [];
const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
const logged = () => lines.join('');

const EMAIL = 'leak.person@secret.example';
const TRAIT = 'trait-value-never-logged';
let db: TestDatabase;
let services: Services;
let server: HarmonyServer;
let baseUrl: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  services = createServices(db.dataSource, loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url }));
  server = await createServer(services, logger);
  baseUrl = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  keys.sync = (await services.apiKeys.create('log test sync', ['sync'])).key;
  keys.ingest = (await services.apiKeys.create('log test ingest', ['ingest'])).key;
  // PostgreSQL refuses these rows, and says why with the row's values ("Failing row contains").
  await db.dataSource.query(
    `ALTER TABLE users ADD CONSTRAINT no_secret_emails CHECK (email NOT LIKE '%secret.example')`,
  );
});
afterAll(async () => {
  await server.close();
  await db.drop();
});
beforeEach(() => {
  lines.length = 0;
});

test('a failed statement is logged with its message and code, without its values', async () => {
  const error = await db.dataSource
    .query(`INSERT INTO users (external_id, email, traits) VALUES ($1, $2, $3)`, [
      'direct',
      EMAIL,
      JSON.stringify({ plan: TRAIT }),
    ])
    .catch((failure: unknown) => failure as Error & Record<string, unknown>);
  // What would leak without the serializer:
  expect(JSON.stringify(error.parameters)).toContain(EMAIL);
  expect(String(error.detail)).toContain(EMAIL);

  logger.error({ err: error }, 'statement failed');
  const entry = JSON.parse(logged());
  expect(entry.msg).toBe('statement failed');
  expect(entry.err).toMatchObject({
    type: 'QueryFailedError',
    message: 'new row for relation "users" violates check constraint "no_secret_emails"',
    code: '23514',
    constraint: 'no_secret_emails',
    table: 'users',
  });
  expect(entry.err).not.toHaveProperty('parameters');
  expect(entry.err).not.toHaveProperty('query');
  expect(entry.err).not.toHaveProperty('detail');
  expect(entry.err.driverError).not.toHaveProperty('detail');
  expect(logged()).not.toContain(EMAIL);
  expect(logged()).not.toContain(TRAIT);
});

test('a GraphQL request failing in the database logs the error, not the email, traits or key', async () => {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.sync}` },
    body: JSON.stringify({
      query: `mutation($input: UpsertUserInput!) { upsertUser(input: $input) { id } }`,
      variables: { input: { externalId: 'leaky', email: EMAIL, traits: { plan: TRAIT } } },
    }),
  });
  const body = (await response.json()) as any;
  expect(body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
  expect(logged()).toContain('no_secret_emails');
  expect(logged()).not.toContain(EMAIL);
  expect(logged()).not.toContain(TRAIT);
  expect(logged()).not.toContain(keys.sync);
});

test('an ingestion batch failing in the database logs neither the email nor the write key', async () => {
  // Whether the batch is refused whole (a logged 500) or the message alone, nothing leaks.
  await postIngest(
    baseUrl,
    'identify',
    { userId: 'leaky-ingest', traits: { email: EMAIL, plan: TRAIT } },
    keys.ingest,
  );
  expect(logged()).not.toContain(EMAIL);
  expect(logged()).not.toContain(TRAIT);
  expect(logged()).not.toContain(keys.ingest);
});

test('keys, emails, traits and payloads are redacted wherever a log line carries them', () => {
  logger.warn(
    {
      req: { headers: { authorization: `Bearer ${keys.sync}`, cookie: 'session=1' } },
      writeKey: keys.ingest,
      user: { email: EMAIL, traits: { plan: TRAIT } },
      batch: { message: { properties: { plan: TRAIT } } },
      variables: { input: { email: EMAIL } },
      reason: 'kept',
    },
    'a request',
  );
  const entry = JSON.parse(logged());
  expect(entry).toMatchObject({
    req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
    writeKey: '[redacted]',
    user: { email: '[redacted]', traits: '[redacted]' },
    batch: { message: { properties: '[redacted]' } },
    variables: '[redacted]',
    reason: 'kept',
  });
});
