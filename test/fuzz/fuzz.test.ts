import { formatFailure } from './fuzz-runner';
import { startFuzzServer, type FuzzServer } from './fuzz-server';
import { fuzzGraphql } from './graphql-suite';
import { IngestFuzzer } from './ingest-fuzz';
import { expectationOf, readBackViolations } from './ingest-oracle';
import { fuzzIngest } from './ingest-suite';

/**
 * A bounded, seeded slice of `npm run fuzz` (10,000 ingest cases and 2,000 GraphQL documents):
 * the same generators and invariants, fewer cases and a fixed seed, so every run tries the same
 * slice. A failure prints its cause and the minimal counterexample.
 */
const SEED = 20_261_202;

let server: FuzzServer;
beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(() => server.close());

test('the read-back is not vacuous: it notices a stored message that changed', async () => {
  const message = {
    type: 'track',
    messageId: 'oracle-check-1',
    userId: ' user-oracle ',
    event: ' Oracle Checked ',
    properties: { seats: 5 },
    context: { groupId: 'acct-oracle' },
    timestamp: '2030-01-02T03:04:05.678Z',
  };
  const fuzzer = new IngestFuzzer(server);
  const request = {
    kind: 'batch',
    endpoint: 'batch',
    auth: 'basic' as const,
    body: { batch: [message] },
    contentType: 'application/json',
    mustAccept: [true],
  };
  expect(await fuzzer.check(request)).toEqual([]);

  const dataSource = server.test.db.dataSource;
  await dataSource.query(
    `UPDATE events SET properties = '{"seats": 6}' WHERE message_id = 'oracle-check-1'`,
  );
  const expectation = expectationOf(message, message.messageId, undefined, {}, 0, 0);
  expect(expectation).toMatchObject({ userId: 'user-oracle', event: 'Oracle Checked' });
  const violations = await readBackViolations(dataSource, [expectation]);
  expect(violations.map((v) => v.cause)).toEqual([
    'ingest: a stored track message reads back with another properties',
  ]);
});

test('600 generated Segment messages: no 5xx, named errors, everything stored reads back as sent', async () => {
  const report = await fuzzIngest(server, 600, SEED);
  expect(report.cases).toBeGreaterThanOrEqual(600);
  expect(report.failures.map((failure, i) => formatFailure(failure, i + 1))).toEqual([]);
}, 240_000);

test('150 generated GraphQL documents: no 5xx, every error has a message and a code', async () => {
  const report = await fuzzGraphql(server, 150, SEED);
  expect(report.cases).toBe(150);
  expect(report.failures.map((failure, i) => formatFailure(failure, i + 1))).toEqual([]);
}, 240_000);

test('the server still answers /health after the fuzzing', async () => {
  expect(await server.isHealthy()).toBe(true);
});
