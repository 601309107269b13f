import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { loadSyntheticEvents } from '../src/demo/bulk-events';
import { DEFAULT_DEMO_SEED, loadDemoData } from '../src/demo/demo-data';
import { clearHarmonyData } from '../src/demo/demo-reset';
import { notifyCommittedWrites } from '../src/db/write-notifications';
import { CliError, runCli, usageError, withDatabase } from './cli';

const USAGE = `Usage: npm run seed -- [options]

Loads Harmony's demo data set: 300 accounts across industries and sizes, about 3,000 users
with roles and teams, the plan catalog, and 24 months of subscription history ending at the
start of the current month. The same seed always gives the same data.

Options:
  --seed <n>   Random seed (an integer). Default ${DEFAULT_DEMO_SEED}, the seed \`npm start\` uses.
  --force      When the database already has accounts, empty Harmony's data tables (accounts,
               users, memberships, teams, subscriptions and their history, events and their
               rollups) and load afresh. Plans, event definitions and API keys are kept.
               Without --force, seeding a database that has accounts is refused.
  --events <n> After the demo data, also load n synthetic product events (for benchmarks):
               track events of random current members over the last 90 days, generated
               inside PostgreSQL in chunks, rollups built set-based per chunk. 10 million
               take a few minutes; a progress bar goes to stderr.
  -h, --help   Show this help.

The database is DATABASE_URL, or the embedded PostgreSQL of \`npm start\` when it is unset;
pending migrations are applied first, as \`npm start\` would.
`;

const OPTIONS = {
  seed: { type: 'string' },
  force: { type: 'boolean', default: false },
  events: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: OPTIONS }));
  } catch (error) {
    throw usageError(error, 'npm run seed --');
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const seed = values.seed === undefined ? DEFAULT_DEMO_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) {
    throw new CliError(`--seed: expected an integer, got "${values.seed}"`);
  }

  const syntheticEvents = values.events === undefined ? 0 : Number(values.events);
  if (!Number.isSafeInteger(syntheticEvents) || syntheticEvents < 0) {
    throw new CliError(`--events: expected a whole number of events, got "${values.events}"`);
  }

  await withDatabase({ migrate: 'like-start' }, async ({ database: { dataSource } }) => {
    const [{ accounts }] = await dataSource.query(`SELECT count(*)::int AS accounts FROM accounts`);
    if (accounts > 0 && !values.force) {
      throw new CliError(
        `The database already has ${accounts} accounts, so the demo data was not loaded over ` +
          `them.\nRun \`npm run seed -- --force\` to empty Harmony's data tables and load it afresh.`,
      );
    }
    if (accounts > 0) {
      const cleared = await clearHarmonyData(dataSource);
      process.stderr.write(`--force: emptied ${cleared.join(', ')}\n`);
    }

    const summary = await loadDemoData(dataSource, { seed });
    process.stdout.write(
      `Loaded demo data (seed ${seed}) in ${summary.ms} ms: ${summary.accounts} accounts, ` +
        `${summary.users} users, ${summary.memberships} memberships, ${summary.teams} teams, ` +
        `${summary.plans} plans, ${summary.subscriptions} subscriptions, ` +
        `${summary.historyRows} subscription history rows, ${summary.events} product events.\n`,
    );

    // Further loaders that build on the demo rows (synthetic events for benchmarks) run here,
    // each behind its own option in OPTIONS and documented in USAGE.
    if (syntheticEvents > 0) {
      await loadSyntheticEventsWithProgress(dataSource, syntheticEvents);
      await notifyCommittedWrites(dataSource, ['events']);
    }
  });
}

/** `--events N`: synthetic events with a progress bar on stderr. */
async function loadSyntheticEventsWithProgress(dataSource: DataSource, count: number) {
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: 'synthetic events [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left',
      etaBuffer: 5,
      // Not a terminal (CI logs, a pipe): a plain line every few seconds instead of redrawing.
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(count, 0);
  const { stored } = await loadSyntheticEvents(dataSource, {
    count,
    onProgress: (done) => bar.update(done),
  });
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `Loaded ${stored} synthetic events in ${seconds.toFixed(1)} s ` +
      `(${Math.round(stored / seconds)} events/s), rollups included.\n`,
  );
}

runCli(main);
