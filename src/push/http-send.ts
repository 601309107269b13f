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
 * Sends one signed request. Never throws: a refused connection, a timeout or any status comes
 * back as an outcome. The headers are Standard Webhooks', signed anew at each attempt (the
 * timestamp is the attempt's), with the same `webhook-id`.
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
    const response = await fetch(request.url, {
      method: request.method,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Harmony-Webhooks/1',
        'idempotency-key': request.idempotencyKey,
        ...signatureHeaders(request.webhookId, at, request.body, request.secrets),
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const responseText = (await response.text().catch(() => '')).slice(0, MAX_RESPONSE_TEXT);
    const ok = response.status >= 200 && response.status < 300;
    return {
      at,
      statusCode: response.status,
      error: ok
        ? null
        : `HTTP ${response.status}${responseText ? `: ${responseText.slice(0, 200)}` : ''}`,
      durationMs: elapsed(),
      responseText,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
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

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
