import 'reflect-metadata';
import { parseArgs } from 'node:util';
import globalSetup from '../test/support/global-setup';
import globalTeardown from '../test/support/global-teardown';
import { formatReport, type FuzzReport } from '../test/fuzz/fuzz-runner';
import { startFuzzServer } from '../test/fuzz/fuzz-server';
import { fuzzGraphql } from '../test/fuzz/graphql-suite';
import { fuzzIngest } from '../test/fuzz/ingest-suite';

const USAGE = `Usage: npm run fuzz -- [options]

Sends generated hostile input to a Harmony server over a fresh database (a migrated template
cloned as the tests do, on TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432): Segment
requests to /v1/* and GraphQL documents built from the schema to /graphql. Checks that nothing
answers 5xx, every error has a message and a code, the server still answers /health, and every
message a 200 stored reads back unchanged. Prints the cases tried and, for each failure, the
minimal counterexample fast-check shrank it to. Exits 1 when anything failed.

Options:
  --ingest <n>    Ingest cases: messages, batched several to a request as clients do (a
                  request refused whole counts as one). Default 10000.
  --graphql <n>   GraphQL documents. Default 2000.
  --seed <n>      Random seed; the same seed generates the same cases. Default 1.
  -h, --help      Show this help.
`;

const OPTIONS = {
  ingest: { type: 'string', default: '10000' },
  graphql: { type: 'string', default: '2000' },
  seed: { type: 'string', default: '1' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: OPTIONS });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const ingestCases = count(values.ingest, '--ingest');
  const graphqlDocuments = count(values.graphql, '--graphql');
  const seed = count(values.seed, '--seed');

  await globalSetup();
  const server = await startFuzzServer();
  const reports: FuzzReport[] = [];
  try {
    if (ingestCases > 0) {
      const started = Date.now();
      const report = await fuzzIngest(server, ingestCases, seed, progress('ingest', ingestCases));
      clearProgress();
      reports.push(report);
      process.stdout.write(`${formatReport(report)}\n  (${seconds(started)})\n`);
    }
    if (graphqlDocuments > 0) {
      const started = Date.now();
      const report = await fuzzGraphql(
        server,
        graphqlDocuments,
        seed,
        progress('graphql', graphqlDocuments),
      );
      clearProgress();
      reports.push(report);
      process.stdout.write(`${formatReport(report)}\n  (${seconds(started)})\n`);
    }
  } finally {
    await server.close();
    await globalTeardown();
  }
  return reports.some((r) => r.failures.length > 0) ? 1 : 0;
}

function count(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${option}: expected a whole number, got "${text}"`);
  return n;
}

function seconds(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

/** Progress on stderr: a counter on a terminal, a line per tenth of the run otherwise. */
function progress(name: string, total: number): (done: number) => void {
  let reported = 0;
  const started = Date.now();
  return (done) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${name}: ${done}/${total}`);
    } else if (done >= reported + total / 10) {
      reported = done;
      process.stderr.write(`${name}: ${done}/${total} after ${seconds(started)}\n`);
    }
  };
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
    process.exit(2);
  },
);
