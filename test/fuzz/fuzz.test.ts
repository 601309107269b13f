import { formatFailure } from './fuzz-runner';
import { startFuzzServer, type FuzzServer } from './fuzz-server';
import { fuzzGraphql } from './graphql-suite';
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
