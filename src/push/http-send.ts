import http from 'node:http';
import https from 'node:https';
import { signatureHeaders } from './webhook-signing';
import { parseRetryAfter } from './retry-schedule';

/** What one attempt came back with. */
export type AttemptOutcome = {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The answer's body, cut to 2 KB (rate-limit answers are recognised by it). */
  responseText: string;
  retryAfterMs: number | null;
};

const MAX_RESPONSE_TEXT = 2048;

/**
 * Connections kept open to destinations between requests: a realtime line sends one request per
 * change, and a new TCP (and TLS) handshake for each would cost more than the request.
 */
const AGENT_OPTIONS = {
  keepAlive: true,
  keepAliveMsecs: 10_000,
  maxSockets: 64,
  scheduling: 'lifo',
} as const;
const HTTP_AGENT = new http.Agent(AGENT_OPTIONS);
const HTTPS_AGENT = new https.Agent(AGENT_OPTIONS);

/**
 * Sends one signed request. Never throws: a refused connection, a timeout or any status comes
 * back as an outcome. The headers are Standard Webhooks', signed anew at each attempt (the
 * timestamp is the attempt's), with the same `webhook-id`. Node's `http.request` with a
 * keep-alive agent rather than `fetch`: a third of the CPU per request, which is most of what a
 * realtime delivery costs the worker.
 */
export async function sendSigned(request: {
  url: string;
  method: 'POST' | 'PATCH';
  webhookId: string;
  idempotencyKey: string;
  body: string;
  secrets: string[];
  timeoutMs: number;
}): Promise<AttemptOutcome> {
  const at = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await exchange(request, at);
    const responseText = response.text.slice(0, MAX_RESPONSE_TEXT);
    const ok = response.status >= 200 && response.status < 300;
    return {
      at,
      statusCode: response.status,
      error: ok
        ? null
        : `HTTP ${response.status}${responseText ? `: ${responseText.slice(0, 200)}` : ''}`,
      durationMs: elapsed(),
      responseText,
      retryAfterMs: parseRetryAfter(response.retryAfter),
    };
  } catch (error) {
    const timedOut = error instanceof TimedOut;
    return {
      at,
      statusCode: null,
      error: timedOut
        ? `no answer within ${request.timeoutMs} ms`
        : `request failed: ${describe(error)}`,
      durationMs: elapsed(),
      responseText: '',
      retryAfterMs: null,
    };
  }
}

class TimedOut extends Error {}

/** One request and its whole answer (status, Retry-After, body up to 2 KB), within the timeout. */
function exchange(
  request: Parameters<typeof sendSigned>[0],
  at: Date,
): Promise<{ status: number; retryAfter: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const body = Buffer.from(request.body, 'utf8');
    const outgoing = (secure ? https : http).request(url, {
      method: request.method,
      agent: secure ? HTTPS_AGENT : HTTP_AGENT,
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': 'Harmony-Webhooks/1',
        'idempotency-key': request.idempotencyKey,
        ...signatureHeaders(request.webhookId, at, request.body, request.secrets),
      },
    });
    const timer = setTimeout(() => outgoing.destroy(new TimedOut()), request.timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    };
    outgoing.once('error', fail);
    outgoing.once('response', (incoming) => {
      const chunks: Buffer[] = [];
      let length = 0;
      incoming.on('data', (chunk: Buffer) => {
        // Only the start of the answer is kept; the rest is read and dropped (keep-alive).
        if (length < MAX_RESPONSE_TEXT) chunks.push(chunk);
        length += chunk.length;
      });
      incoming.once('error', fail);
      incoming.once('end', () => {
        clearTimeout(timer);
        const retryAfter = incoming.headers['retry-after'];
        resolve({
          status: incoming.statusCode ?? 0,
          retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    outgoing.end(body);
  });
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = (error as { code?: string }).code;
  return cause?.code ?? code ?? cause?.message ?? (error as Error).message ?? String(error);
}
