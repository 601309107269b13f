import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../shared/logger';

/** What every log line of one request carries. */
type RequestScope = { requestId: string; logger: Logger };

const scope = new AsyncLocalStorage<RequestScope>();

/** A client's `X-Request-Id` is kept when it is short and plain; otherwise one is generated. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTED_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Runs the rest of a request with its own child logger (bound to its request id). */
export function runInRequestScope(requestScope: RequestScope, next: () => void): void {
  scope.run(requestScope, next);
}

/**
 * A logger that writes through the current request's child logger, so code holding the
 * server's logger (error formatters, the ingest router) logs the request id without knowing.
 */
export function requestScopedLogger(root: Logger): Logger {
  return new Proxy(root, {
    get(target, property) {
      const current = scope.getStore()?.logger ?? target;
      const value = Reflect.get(current, property, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}
