import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { adminUrl } from './urls';
import { TS_NODE_REQUIRE } from './ts-node-child';

/**
 * Every database of a jest run is named after the run's main process: `harmony_tpl_<pid>` (the
 * migrated template) and `harmony_t_<pid>_<random>` (one per test file). Once that process is
 * gone they are garbage, whoever left them.
 */
const RUN_DATABASE = /^harmony_(?:tpl|t)_(\d+)(?:_|$)/;

export function testDatabaseName(runPid: string, suffix: string): string {
  return `harmony_t_${runPid}_${suffix}`;
}

/**
 * Takes a test database out of use at once, without dropping it: its sessions are ended and no
 * new ones are let in. DROP DATABASE forces a PostgreSQL checkpoint (a flush of every dirty buffer
 * of the server, seconds on a busy disk), which a test file would wait for; the databases of the
 * run are dropped together, in the background, once the run is over (`reapAfterRun`).
 */
export async function retireDatabase(admin: Client, name: string): Promise<void> {
  await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [name],
  );
}

/** Drops the databases of runs whose main process has exited. */
export async function dropDatabasesOfEndedRuns(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname ~ '^harmony_(tpl|t)_[0-9]+'`,
  );
  for (const { datname } of rows) {
    const pid = Number(RUN_DATABASE.exec(datname)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
  }
}

/**
 * Starts a detached process that waits for `runPid` to exit (0: none) and then drops the databases
 * of every ended run: nothing of the run waits for the drops (one checkpoint each).
 */
export function reapAfterRun(runPid: number): void {
  const child = spawn(process.execPath, ['-r', TS_NODE_REQUIRE, __filename, String(runPid)], {
    cwd: path.resolve(__dirname, '..', '..'),
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function reap(runPid: number): Promise<void> {
  while (runPid && isAlive(runPid)) await new Promise((resolve) => setTimeout(resolve, 200));
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await dropDatabasesOfEndedRuns(admin);
  } finally {
    await admin.end();
  }
}

if (require.main === module) {
  reap(Number(process.argv[2])).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
