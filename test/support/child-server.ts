import { spawn, type ChildProcess } from 'node:child_process';
import { TS_NODE_REQUIRE } from './ts-node-child';

/**
 * Starts a TypeScript server script in its own process (NODE_ENV=test, silent logs, `env`
 * added) and resolves with its base URL once it prints `PORT <n>`; rejects if it exits first.
 */
export function startChildServer(
  script: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['-r', TS_NODE_REQUIRE, script], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const match = /PORT (\d+)/.exec(output);
      if (match) resolve({ child, baseUrl: `http://127.0.0.1:${match[1]}` });
    });
    child.once('exit', (code) =>
      reject(new Error(`child server exited with ${code} before listening`)),
    );
  });
}
