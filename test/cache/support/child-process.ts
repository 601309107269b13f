import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TS_NODE_REQUIRE } from '../../support/ts-node-child';

const CHILD_SCRIPT = path.join(__dirname, 'cache-child-server.ts');

/** Starts a server process with `env` added; resolves with its base URL once it listens. */
export function startChildServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['-r', TS_NODE_REQUIRE, CHILD_SCRIPT], {
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

/** POSTs a GraphQL query with a bearer key; returns status and body. */
export async function graphqlAt(baseUrl: string, key: string, query: string) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as any };
}
