import { execFile } from 'node:child_process';
import path from 'node:path';
import { TS_NODE_REQUIRE } from '../support/ts-node-child';

export type ScriptResult = { code: number; stdout: string; stderr: string };

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs one of scripts/*.ts as `npm run` would, against the given database; never throws. */
export function runScript(
  script: string,
  args: string[],
  databaseUrl: string,
): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', TS_NODE_REQUIRE, path.join('scripts', script), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'warn' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
