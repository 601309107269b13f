import 'reflect-metadata';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config';
import { migrate, openDatabase } from '../src/db/database';
import { CATALOG_DIR, loadCatalog, MetricsService } from '../src/metrics';
import { unknownEventReferences } from '../src/metrics/definition-store';
import { createLogger } from '../src/shared/logger';
import { entities } from '../src/domain/entities';

const HELP = `Usage: npm run metrics:sync -- [options]

Validates the metric catalog (schema/metrics/*.yml) and records every metric whose YAML entry
changed as a new version in PostgreSQL (DATABASE_URL, or the embedded demo database).

Options:
  --check        validate only, write nothing: the YAML (types, references, dimensions), and,
                 when DATABASE_URL is set and reachable, that every event a metric names exists
                 (by key or any old alias); otherwise it says it skipped that check
  --dir <folder> the catalog folder (default schema/metrics)
  --help, -h     print this help
`;

type Output = { write(text: string): unknown };

/**
 * `npm run metrics:sync`: see HELP. Resolves to the exit code: 1 on any invalid metric or
 * unknown event (the message on `errors`). Callable in-process, for tests.
 */
export async function runMetricsSync(
  args: string[],
  env: Record<string, string | undefined> = process.env,
  output: Output = process.stdout,
  errors: Output = process.stderr,
): Promise<number> {
  try {
    await metricsSync(args, env, output);
    return 0;
  } catch (error) {
    errors.write(`metrics:sync failed: ${(error as Error).message}\n`);
    return 1;
  }
}

async function metricsSync(
  args: string[],
  env: Record<string, string | undefined>,
  output: Output,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      check: { type: 'boolean', default: false },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    output.write(HELP);
    return;
  }
  const directory = values.dir ? path.resolve(values.dir) : CATALOG_DIR;
  const entries = loadCatalog(directory);
  if (values.check) {
    output.write(`${values.dir ?? 'schema/metrics'}: ${entries.length} metrics valid\n`);
    await checkEvents(entries, env, output);
    return;
  }
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger, entities);
  try {
    if (database.embedded || config.migrateOnStart) await migrate(database.dataSource);
    const changed = await new MetricsService(database.dataSource, {
      catalogDir: directory,
    }).syncCatalog(`metrics:sync (${os.userInfo().username})`);
    output.write(
      changed.length
        ? `new versions: ${changed.join(', ')}\n`
        : `all ${entries.length} metrics up to date\n`,
    );
  } finally {
    await database.close();
  }
}

/** The event names against DATABASE_URL, when it is set and answers; never starts a database. */
async function checkEvents(
  entries: ReturnType<typeof loadCatalog>,
  env: Record<string, string | undefined>,
  output: Output,
): Promise<void> {
  const config = loadConfig(env);
  if (!config.databaseUrl) {
    output.write('event names: skipped the check against the database (DATABASE_URL is not set)\n');
    return;
  }
  let database;
  try {
    database = await openDatabase(config, createLogger('silent'), entities);
  } catch (error) {
    output.write(
      `event names: skipped the check against the database (not reachable: ${(error as Error).message})\n`,
    );
    return;
  }
  try {
    const problems = await unknownEventReferences(database.dataSource.manager, entries);
    if (problems.length) {
      throw new Error(
        `${problems.length} unknown event name(s):\n  ${problems.join('\n  ')}\n` +
          'Send the event once, or create it with defineEvent, or fix the name in the YAML.',
      );
    }
    const named = entries.filter((e) => 'event' in e.definition && e.definition.event).length;
    output.write(`event names: the ${named} event(s) metrics name exist in the database\n`);
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  void runMetricsSync(process.argv.slice(2)).then((code) => process.exit(code));
}
