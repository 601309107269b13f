import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { TS_NODE_REQUIRE } from '../support/ts-node-child';

/**
 * A real embedded PostgreSQL in a temporary folder, started by a child process that then dies
 * in the ways `npm start` can: the postmaster must never outlive its Harmony. (An unhandled
 * rejection takes the uncaught-exception path in Node ≥ 15; each start costs seconds, so it has
 * no test of its own.)
 */
const CHILD = path.join(__dirname, 'support', 'embedded-child.ts');
jest.setTimeout(180_000);

let dataDir: string;
let port: number;
const postmasters = new Set<number>();
const children: ChildProcess[] = [];

beforeAll(async () => {
  // PostgreSQL runs as the 'postgres' user when we are root: it must be able to enter the folder.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'harmony-embedded-'));
  fs.chmodSync(dataDir, 0o755);
  port = await freePort();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of postmasters) signal(pid, 'SIGQUIT');
  await Promise.all([...postmasters].map((pid) => untilGone(pid).catch(() => undefined)));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone
  }
}

/** Running, not merely a zombie waiting for its (adoptive) parent to reap it. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function untilGone(pid: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (!isAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`process ${pid} still alive after 60 s`);
}

/** Starts a child in `mode`; resolves once its PostgreSQL runs, with the postmaster pid. */
function startChild(
  mode: string,
): Promise<{ child: ChildProcess; pid: number; exit: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    ['-r', TS_NODE_REQUIRE, CHILD, dataDir, String(port), mode],
    {
      cwd: path.resolve(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stderr!.on('data', (chunk) => (errors += String(chunk)));
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const match = /POSTMASTER (\d+)/.exec(output);
      if (match) {
        const pid = Number(match[1]);
        postmasters.add(pid);
        resolve({ child, pid, exit });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`child exited with ${code} before PostgreSQL ran: ${errors}`)),
    );
  });
}

async function answers(): Promise<boolean> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'harmony-embedded',
    database: 'harmony',
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The watchdog shells that guard `pid`, by their command line. */
function watchdogsOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        return args.includes('harmony-pg-watchdog') && args.includes(String(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('an uncaught exception stops the embedded PostgreSQL', async () => {
  const { pid, exit } = await startChild('uncaught');
  expect(await exit).toBe(1);
  await untilGone(pid);
  expect(fs.existsSync(path.join(dataDir, 'postgres.owner'))).toBe(false);
});

test('a SIGKILL (as the kernel does on out-of-memory) stops it too, through the watchdog', async () => {
  const { child, pid, exit } = await startChild('wait');
  expect(await answers()).toBe(true);
  child.kill('SIGKILL');
  await exit;
  await untilGone(pid);
});

test('a start that finds PostgreSQL orphaned by a dead Harmony stops it, runs its own, and a clean shutdown stops that', async () => {
  const first = await startChild('wait');
  // Orphan it the way a pre-watchdog crash did: its Harmony and guard die, it keeps running.
  for (const watchdog of watchdogsOf(first.pid)) signal(watchdog, 'SIGKILL');
  first.child.kill('SIGKILL');
  await first.exit;
  expect(isAlive(first.pid)).toBe(true);

  const second = await startChild('wait');
  expect(second.pid).not.toBe(first.pid);
  expect(isAlive(first.pid)).toBe(false);
  expect(await answers()).toBe(true);

  second.child.kill('SIGTERM');
  expect(await second.exit).toBe(0);
  expect(isAlive(second.pid)).toBe(false);
  expect(watchdogsOf(second.pid)).toEqual([]);
});
