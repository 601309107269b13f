import { formatReport } from './fuzz-runner';
import { startFuzzServer, type FuzzServer } from './fuzz-server';
import { fuzzGraphql } from './graphql-suite';
import { fuzzIngest } from './ingest-suite';

/**
 * A bounded, seeded slice of `npm run fuzz` (which runs 10,000 ingest cases and 2,000 GraphQL
 * documents): the same generators and invariants, fewer cases, a fixed seed, so it is the same
 * slice on every run.
 */
const SEED = 20_261_202;

let server: FuzzServer;
beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(() => server.close());

test('300 generated Segment requests: no 5xx, named errors, everything stored reads back as sent', async () => {
  const report = await fuzzIngest(server, 300, SEED);
  expect(report.cases).toBe(300);
  expect(formatReport(report)).toBe('ingest: 300 cases, 0 failures');
}, 240_000);

test('150 generated GraphQL documents: no 5xx, every error has a message and a code', async () => {
  const report = await fuzzGraphql(server, 150, SEED);
  expect(report.cases).toBe(150);
  expect(formatReport(report)).toBe('graphql: 150 documents, 0 failures');
}, 240_000);

test('the server still answers /health after the fuzzing', async () => {
  expect(await server.isHealthy()).toBe(true);
});
