import express, {
  type ErrorRequestHandler,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { asServiceUnavailable } from '../db/unavailable';
import type { Principal } from '../domain/api-key/api-key.service';
import { ERROR_CODES, HarmonyError, type ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { MessageType } from './ingest-message';
import type { IngestService } from './ingest.service';
import { authenticateWriteKeyHeader, principalOf } from './write-key';

/** Segment's limit for a whole request. */
export const MAX_REQUEST_BYTES = '500kb';

export type IngestRouterDeps = {
  apiKeys: { authenticate(key: string): Promise<Principal | null> };
  ingest: IngestService;
};

const SINGLE_CALLS: MessageType[] = ['identify', 'track', 'page', 'screen', 'group', 'alias'];

/**
 * The browser library analytics.js posts to the first letter of the call (`/v1/t`, `/v1/i`, …) and
 * batches to `/v1/b`, with the write key in the body and `content-type: text/plain`.
 */
function pathsOf(type: MessageType | undefined): string[] {
  const name = type ?? 'batch';
  return [`/${name}`, `/${name.charAt(0)}`];
}

/**
 * Segment's HTTP Tracking API: `POST /identify|track|page|screen|group|alias|batch`. The write
 * key is an API key with the `ingest` scope, as the basic-auth user name or `writeKey` in the
 * body. A 200 means the valid messages are committed; invalid ones are listed in the answer.
 */
export function createIngestRouter(deps: IngestRouterDeps, logger: Logger): Router {
  const router = express.Router();
  // Any content type: some clients send JSON as text/plain.
  const parseBody = express.json({ limit: MAX_REQUEST_BYTES, type: () => true, strict: true });
  const authenticateHeader = authenticateWriteKeyHeader(deps.apiKeys);
  for (const type of [...SINGLE_CALLS, undefined]) {
    const handle: RequestHandler = async (request, response, next) => {
      try {
        const body = request.body as unknown;
        if (!body || typeof body !== 'object' || Array.isArray(body))
          throw new HarmonyError('BAD_USER_INPUT', 'expected a JSON object as the request body');
        const principal = await principalOf(deps.apiKeys, response, body);
        response.json(await deps.ingest.ingest(body as Record<string, unknown>, type, principal));
      } catch (error) {
        next(error);
      }
    };
    // One route per path, so request metrics label each path on its own.
    for (const path of pathsOf(type)) router.post(path, authenticateHeader, parseBody, handle);
  }
  router.use(ingestErrorHandler(logger));
  return router;
}

/** Every failure of an ingestion request becomes a JSON answer with a code. */
function ingestErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _request, response: Response, _next) => {
    const unavailable = asServiceUnavailable(error);
    if (unavailable) {
      response.setHeader('Retry-After', String(unavailable.details.retryAfterSeconds));
      return send(response, unavailable.code, unavailable.message);
    }
    if (error instanceof HarmonyError) return send(response, error.code, error.message);
    const status = Number(error?.status ?? error?.statusCode ?? 500);
    if (status === 413) return send(response, 'PAYLOAD_TOO_LARGE', 'Request body over 500 KB');
    if (status >= 400 && status < 500)
      return send(response, 'BAD_USER_INPUT', `Invalid request: ${error.message}`);
    logger.error({ err: error }, 'ingestion request failed; no message was stored');
    send(response, 'INTERNAL_SERVER_ERROR', 'Internal server error; no message was stored, retry');
  };
}

function send(response: Response, code: ErrorCode, message: string): void {
  response
    .status(ERROR_CODES[code])
    .json({ success: false, errors: [{ message, extensions: { code } }] });
}
