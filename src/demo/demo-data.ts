import type { DataSource, EntityManager } from 'typeorm';
import { notifyCommittedWrites } from '../db/write-notifications';
import type { Logger } from '../shared/logger';
import { createDemoCalendar } from './demo-calendar';
import { writeDemoEvents } from './demo-events';
import { generateDemoModel } from './demo-generator';
import { writeDemoModel, type DemoRowCounts } from './demo-writer';

/** The seed `npm start` and `npm run seed` use unless told otherwise. */
export const DEFAULT_DEMO_SEED = 42;

export type DemoDataOptions = {
  /** Same seed, same accounts, people and subscription histories. Default DEFAULT_DEMO_SEED. */
  seed?: number;
  /**
   * The 24 months of history end at the start of this instant's month (UTC). Default: now, so
   * "the last 12 months" always has data; tests pin it to get exact timestamps.
   */
  now?: Date;
  /** Number of accounts. Default 300. */
  accounts?: number;
  /** Receives the one-line summary. Default: none. */
  logger?: Logger;
};

export type DemoDataSummary = DemoRowCounts & { events: number; seed: number; ms: number };

/**
 * Loads the demo data set (plans, accounts, users, memberships, teams, subscriptions and their
 * history) in one transaction. The tables are expected to hold no demo rows yet.
 */
export async function loadDemoData(
  dataSource: DataSource,
  options: DemoDataOptions = {},
): Promise<DemoDataSummary> {
  const summary = await dataSource.transaction((manager) => writeDemoData(manager, options));
  await notifyCommittedWrites(dataSource);
  return summary;
}

/**
 * `npm start` on the embedded database: loads the demo data the first time only, i.e. while
 * there are no accounts at all. Concurrent starts serialise on an advisory lock.
 */
export async function loadDemoDataOnce(
  dataSource: DataSource,
  logger: Logger,
): Promise<DemoDataSummary | null> {
  const summary = await dataSource.transaction(async (manager) => {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('harmony.demo-data'))`);
    const [{ found }] = await manager.query(`SELECT EXISTS (SELECT 1 FROM accounts) AS found`);
    if (found) {
      logger.info('accounts exist: demo data not loaded again');
      return null;
    }
    return writeDemoData(manager, { logger });
  });
  if (summary) await notifyCommittedWrites(dataSource);
  return summary;
}

async function writeDemoData(
  manager: EntityManager,
  options: DemoDataOptions,
): Promise<DemoDataSummary> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const model = generateDemoModel({ seed, accounts: options.accounts });
  const counts = await writeDemoModel(
    manager,
    model,
    createDemoCalendar(options.now ?? new Date()),
  );
  // Product events for the demo accounts (issue 3) are loaded here, after the rows they refer to.
  const { events } = await writeDemoEvents(manager, { seed, now: options.now ?? new Date() });
  const summary = { ...counts, events, seed, ms: Math.round(performance.now() - started) };
  options.logger?.info(
    {
      seed,
      accounts: summary.accounts,
      users: summary.users,
      subscriptions: summary.subscriptions,
      historyRows: summary.historyRows,
      ms: summary.ms,
    },
    `loaded demo data: ${summary.accounts} accounts, ${summary.users} users, ` +
      `${summary.subscriptions} subscriptions, ${summary.historyRows} history rows in ${summary.ms} ms`,
  );
  return summary;
}
