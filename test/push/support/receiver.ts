import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceivedRequest = {
  at: number;
  method: string;
  webhookId: string;
  idempotencyKey: string;
  rawBody: string;
  json: any;
  /** What this receiver answered. */
  status: number;
};

/** How the receiver answers: like a healthy service, or broken in one of these ways. */
export type Behaviour =
  | { mode: 'ok' }
  | { mode: 'fail'; status?: number; retryAfter?: string }
  | { mode: 'flap' }
  | { mode: 'hang' }
  | { mode: 'gone' };

export type ReceiverOptions = {
  /** Enforced like the real service: HubSpot 100 inputs, Salesforce 200 records, Slack text. */
  kind?: 'WEBHOOK' | 'SLACK' | 'HUBSPOT' | 'SALESFORCE';
  /** Enforced in a sliding window on arrival times; over it the service's own refusal. */
  rateLimit?: { requests: number; seconds: number };
};

/**
 * A test receiver that behaves like the services pushes go to: verifies every delivery's
 * Standard Webhooks signature on the raw body with the `standardwebhooks` package, enforces
 * batch sizes and rate limits the way HubSpot (429), Salesforce (403 REQUEST_LIMIT_EXCEEDED)
 * and Slack (429, 1 per second) do, and can be told to fail, flap, hang or answer 410. Every
 * breach of a rule is kept in `violations`.
 */
export class TestReceiver {
  readonly received: ReceivedRequest[] = [];
  readonly violations: string[] = [];
  secrets: string[] = [];
  private behaviour: Behaviour = { mode: 'ok' };
  private flapCount = 0;
  private readonly held: Array<() => void> = [];
  private readonly arrivals: number[] = [];
  private server!: http.Server;
  private waiters: Array<() => void> = [];

  constructor(private readonly options: ReceiverOptions = {}) {}

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  behave(behaviour: Behaviour): void {
    this.behaviour = behaviour;
    if (behaviour.mode !== 'hang') this.releaseHeld();
  }

  /** Requests held open by `hang` are dropped (the connection is destroyed). */
  releaseHeld(): void {
    for (const release of this.held.splice(0)) release();
  }

  /** Requests answered 2xx, in arrival order. */
  get accepted(): ReceivedRequest[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Resolves once `condition` holds, checked at every request; rejects after `timeoutMs`. */
  async waitFor(condition: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`receiver: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async close(): Promise<void> {
    this.releaseHeld();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const at = Date.now();
    const headers = request.headers as Record<string, string>;
    const record = (status: number, json: any) => {
      this.received.push({
        at,
        method: request.method!,
        webhookId: headers['webhook-id'],
        idempotencyKey: headers['idempotency-key'],
        rawBody,
        json,
        status,
      });
      for (const wake of this.waiters.splice(0)) wake();
    };
    const answer = (status: number, body: unknown = {}, extra: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...extra });
      response.end(JSON.stringify(body));
    };

    let json: any;
    try {
      json = this.verify(rawBody, headers);
    } catch (error) {
      this.violations.push(`signature: ${(error as Error).message}`);
      record(401, null);
      return answer(401, { error: 'bad signature' });
    }
    const refusal = this.enforce(json, at);
    if (refusal) {
      record(refusal.status, json);
      return answer(refusal.status, refusal.body, refusal.headers);
    }

    const behaviour = this.behaviour;
    if (behaviour.mode === 'hang') {
      record(0, json);
      this.held.push(() => request.socket.destroy());
      return;
    }
    if (behaviour.mode === 'gone') {
      record(410, json);
      return answer(410, { error: 'gone' });
    }
    if (behaviour.mode === 'fail' || (behaviour.mode === 'flap' && this.flapCount++ % 2 === 0)) {
      const status = behaviour.mode === 'fail' ? (behaviour.status ?? 500) : 503;
      record(status, json);
      const extra: Record<string, string> =
        behaviour.mode === 'fail' && behaviour.retryAfter
          ? { 'retry-after': behaviour.retryAfter }
          : {};
      return answer(status, { error: 'failing on purpose' }, extra);
    }
    record(200, json);
    answer(200, { ok: true });
  }

  /** Verifies with any of the known secrets (a rotation signs with two). */
  private verify(rawBody: string, headers: Record<string, string>): any {
    let lastError: unknown = new Error('no secret set on the receiver');
    for (const secret of this.secrets) {
      try {
        return new Webhook(secret).verify(rawBody, headers);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /** The service's own rules: batch sizes and rate limits, refused the way it refuses. */
  private enforce(
    json: any,
    at: number,
  ): { status: number; body: unknown; headers?: Record<string, string> } | null {
    const kind = this.options.kind ?? 'WEBHOOK';
    if (kind === 'HUBSPOT' && !(Array.isArray(json?.inputs) && json.inputs.length <= 100)) {
      this.violations.push(`hubspot batch of ${json?.inputs?.length}`);
      return { status: 400, body: { status: 'error', message: 'inputs: at most 100' } };
    }
    if (kind === 'SALESFORCE' && !(Array.isArray(json?.records) && json.records.length <= 200)) {
      this.violations.push(`salesforce batch of ${json?.records?.length}`);
      return { status: 400, body: [{ errorCode: 'EXCEEDED_ID_LIMIT' }] };
    }
    if (kind === 'SLACK' && typeof json?.text !== 'string') {
      this.violations.push('slack message without text');
      return { status: 400, body: 'no_text' };
    }
    const limit = this.options.rateLimit;
    if (!limit) return null;
    const windowStart = at - limit.seconds * 1000;
    while (this.arrivals.length && this.arrivals[0] <= windowStart) this.arrivals.shift();
    if (this.arrivals.length >= limit.requests) {
      this.violations.push(
        `rate limit: ${this.arrivals.length + 1} requests within ${limit.seconds} s`,
      );
      if (kind === 'SALESFORCE')
        return {
          status: 403,
          body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
        };
      return {
        status: 429,
        body: { message: 'rate limited' },
        headers: { 'retry-after': String(limit.seconds) },
      };
    }
    this.arrivals.push(at);
    return null;
  }
}

export function startReceiver(options: ReceiverOptions = {}): Promise<TestReceiver> {
  return new TestReceiver(options).start();
}
