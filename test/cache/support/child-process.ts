import path from 'node:path';
import { startChildServer as startChild } from '../../support/child-server';

const CHILD_SCRIPT = path.join(__dirname, 'cache-child-server.ts');

/** Starts a server process with `env` added; resolves with its base URL once it listens. */
export function startChildServer(env: Record<string, string>) {
  return startChild(CHILD_SCRIPT, env);
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
