import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export type Closed = { code: number; reason: string };

/** A graphql-ws client on a Harmony server, with `key` as connectionParams (none when null). */
export function connectLive(
  baseUrl: string,
  key: string | null,
): { client: Client; closed: Promise<Closed>; connected: Promise<void> } {
  let resolveClosed!: (closed: Closed) => void;
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  let resolveConnected!: () => void;
  const connected = new Promise<void>((resolve) => (resolveConnected = resolve));
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key === null ? undefined : { authorization: `Bearer ${key}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolveClosed({ code, reason: String(reason) });
      },
    },
  });
  return { client, closed, connected };
}

export type LiveSubscription<T> = {
  /** The next result (data or errors); fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ExecutionResult<T>>;
  /** Results received and not read yet. */
  readonly buffered: number;
  /** Settles with the error the subscription ended with (GraphQL errors or a close event). */
  readonly failed: Promise<unknown>;
  readonly completed: Promise<void>;
  dispose(): void;
};

/** Subscribes and buffers every result, so a test reads them in order. */
export function subscribe<T = any>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): LiveSubscription<T> {
  const results: Array<ExecutionResult<T>> = [];
  let waiter: ((result: ExecutionResult<T>) => void) | null = null;
  let fail!: (error: unknown) => void;
  const failed = new Promise<unknown>((resolve) => (fail = resolve));
  let complete!: () => void;
  const completed = new Promise<void>((resolve) => (complete = resolve));
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (waiter) {
          const resolve = waiter;
          waiter = null;
          resolve(result as ExecutionResult<T>);
        } else results.push(result as ExecutionResult<T>);
      },
      error: (error) => fail(error),
      complete: () => complete(),
    },
  );
  return {
    next: (timeoutMs = 30_000) => {
      if (results.length) return Promise.resolve(results.shift()!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no subscription result within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiter = (result) => {
          clearTimeout(timer);
          resolve(result);
        };
      });
    },
    get buffered() {
      return results.length;
    },
    failed,
    completed,
    dispose,
  };
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
