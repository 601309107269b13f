import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Lifecycle helpers for the embedded PostgreSQL's postmaster: who owns it, is it alive, and
 * stopping it when its Harmony dies in any way (clean exit, uncaught error, SIGKILL, V8 OOM).
 */

/** Alive, and on Linux also running `name` (after a reboot the old pid may be anything). */
export function isProcessRunning(pid: number, name: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!fs.existsSync('/proc/self')) return true;
  const cmdline = `/proc/${pid}/cmdline`;
  return fs.existsSync(cmdline) && fs.readFileSync(cmdline, 'utf8').includes(name);
}

/** The pid of the Harmony process that started the postmaster, written next to its data. */
export function ownerFile(dataDir: string): string {
  return path.join(dataDir, 'postgres.owner');
}

export function readOwner(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(ownerFile(dataDir), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Fast shutdown (SIGINT: clients disconnected, no recovery needed at the next start). */
export async function stopPostmaster(pid: number, timeoutMs = 30_000): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if (!isProcessRunning(pid, 'postgres')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`PostgreSQL (pid ${pid}) did not stop within ${timeoutMs} ms`);
}

/** Stops a postmaster when this process dies; `disarm()` once it was stopped cleanly. */
export type CrashGuard = { disarm(): void };

// A shell loop outside Node: it outlives a SIGKILL or a V8 out-of-memory abort of this process,
// which run no 'exit' hook, and then stops PostgreSQL (if that pid is still a postgres).
const WATCHDOG = `while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ -r "/proc/$2/cmdline" ] && ! grep -q postgres "/proc/$2/cmdline"; then exit 0; fi
kill -INT "$2" 2>/dev/null`;

/**
 * Makes sure the postmaster `pid` does not outlive this process: a synchronous 'exit' hook
 * covers process.exit, uncaught exceptions and unhandled rejections; a detached watchdog covers
 * deaths that run no JavaScript at all. Also records this process as the owner.
 */
export function guardPostmaster(pid: number, dataDir: string): CrashGuard {
  // kill(0) would signal our own process group.
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`not a postmaster pid: ${pid}`);
  fs.writeFileSync(ownerFile(dataDir), `${process.pid}\n`);
  const watchdog = spawn(
    '/bin/sh',
    ['-c', WATCHDOG, 'harmony-pg-watchdog', `${process.pid}`, `${pid}`],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.on('error', () => undefined); // no /bin/sh: the exit hook still works
  watchdog.unref();
  let armed = true;
  const disarm = () => {
    if (!armed) return;
    armed = false;
    process.removeListener('exit', onExit);
    if (watchdog.pid) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(ownerFile(dataDir), { force: true });
  };
  const onExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
    disarm();
  };
  process.on('exit', onExit);
  return { disarm };
}
