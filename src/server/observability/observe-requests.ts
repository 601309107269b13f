import type { Request, RequestHandler } from 'express';
import type { Logger } from '../../shared/logger';
import { requestIdFrom, runInRequestScope } from './request-context';
import { boundedLabel, type ServerMetrics } from './server-metrics';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's logger: every line carries its `requestId`. */
    log?: Logger;
  }
}

/**
 * First middleware: a request id (echoed as `X-Request-Id`), a child logger carrying it, the
 * request's duration by route and status, and the error codes and ingest outcomes of its JSON
 * answer (read from the answer, so the routes need no instrumentation).
 */
export function observeRequests(metrics: ServerMetrics, root: Logger): RequestHandler {
  return (request, response, next) => {
    const requestId = requestIdFrom(request.headers['x-request-id']);
    response.setHeader('X-Request-Id', requestId);
    const logger = root.child({ requestId });
    request.log = logger;
    const endTimer = metrics.httpDuration.startTimer();
    const json = response.json.bind(response);
    response.json = (body: unknown) => {
      countAnswer(metrics, body);
      return json(body);
    };
    response.on('finish', () => {
      const route = routeOf(request);
      const status = response.statusCode;
      const seconds = endTimer({ method: request.method, route, status: String(status) });
      logger.info(
        { method: request.method, route, status, ms: Math.round(seconds * 1000) },
        'request completed',
      );
    });
    runInRequestScope({ requestId, logger }, next);
  };
}

/** The route pattern, never the raw path, so labels stay few; `unmatched` for 404s. */
function routeOf(request: Request): string {
  if (request.route?.path) return `${request.baseUrl}${request.route.path}`;
  return request.baseUrl || 'unmatched';
}

function countAnswer(metrics: ServerMetrics, body: unknown): void {
  if (!body || typeof body !== 'object') return;
  const answer = body as {
    errors?: Array<{ extensions?: { code?: unknown } }>;
    success?: unknown;
    stored?: unknown;
    duplicates?: unknown;
    rejected?: Array<{ reason?: unknown }>;
  };
  for (const error of answer.errors ?? []) {
    metrics.errors.inc({ code: boundedLabel(error?.extensions?.code) });
  }
  // The ingest API's answer: { success, stored, duplicates, rejected: [{ reason }] }.
  if (answer.success === true && typeof answer.stored === 'number') {
    metrics.ingestMessages.inc({ outcome: 'stored' }, answer.stored);
    metrics.ingestMessages.inc({ outcome: 'duplicate' }, Number(answer.duplicates) || 0);
    const rejected = Array.isArray(answer.rejected) ? answer.rejected : [];
    metrics.ingestMessages.inc({ outcome: 'rejected' }, rejected.length);
    for (const rejection of rejected) {
      metrics.ingestRejections.inc({ reason: boundedLabel(rejection?.reason) });
    }
  }
}
