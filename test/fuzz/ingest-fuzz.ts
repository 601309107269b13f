import type { FuzzServer } from './fuzz-server';
import {
  batchDefaultsOf,
  expectationOf,
  messageIdOf,
  readBackViolations,
  storable,
  type BatchDefaults,
  type Expectation,
} from './ingest-oracle';
import {
  checkErrorsNameTheProblem,
  checkNoServerError,
  clip,
  request,
  type Answer,
  type Violation,
} from './invariants';
import type { IngestRequest } from './segment-arbitraries';
import { expandDeepValues } from './segment-values';

/**
 * Sends one generated request to `/v1/...` and checks the answer: no 5xx; a refusal has a
 * message and a code (and the status the README promises, for requests built to be refused);
 * a 200 accounts for every message (`stored + duplicates + rejected = sent`), rejects no message
 * that must be accepted, counts retries as the messageIds already stored say, and every message
 * it stored reads back from PostgreSQL as it was sent.
 */
export class IngestFuzzer {
  /** The messageIds stored so far: a later message with one of them is a retry (a duplicate). */
  private readonly storedIds = new Set<string>();

  constructor(private readonly server: FuzzServer) {}

  /**
   * While shrinking, string messageIds get the attempt's number appended: an attempt that stores
   * a message must not turn the next attempt's copy of it into a duplicate.
   */
  async check(generated: IngestRequest, shrinkAttempt?: number): Promise<Violation[]> {
    const { text, received } = this.render(generated, shrinkAttempt);
    const started = Date.now();
    const answer = await request(`${this.server.baseUrl}/v1/${generated.endpoint}`, {
      method: 'POST',
      headers: this.headers(generated),
      body: text,
    });
    const finished = Date.now();
    const where = 'ingest';
    const serverErrors = checkNoServerError(where, answer, this.server.takeLoggedErrors());
    const messages = messagesOf(generated, received);
    if (serverErrors.length) return [...serverErrors, ...(await this.storedAnyway(messages))];

    const violations: Violation[] = [];
    if (generated.expectedStatus !== undefined && answer.status !== generated.expectedStatus) {
      violations.push({
        cause: `${where}: ${generated.kind}: HTTP ${answer.status} instead of ${generated.expectedStatus}`,
        detail: clip(answer.text),
      });
    }
    if (answer.status !== 200 || !messages) {
      violations.push(...checkErrorsNameTheProblem(where, answer.body));
      violations.push(...(await this.storedAnyway(messages)));
      return violations;
    }
    return [
      ...violations,
      ...(await this.checkAccepted(where, generated, messages, answer, started, finished)),
    ];
  }

  private async checkAccepted(
    where: string,
    generated: IngestRequest,
    messages: Messages,
    answer: Answer,
    started: number,
    finished: number,
  ): Promise<Violation[]> {
    const body = answer.body as { stored?: unknown; duplicates?: unknown; rejected?: unknown };
    const shape = answerShapeViolations(where, body, messages.raws.length);
    if (shape.length) return shape;
    const rejected = body.rejected as { index: number }[];
    const stored = body.stored as number;
    const duplicates = body.duplicates as number;
    const violations: Violation[] = [];
    const rejectedIndexes = new Set(rejected.map((r) => r.index));
    for (const r of rejected as { index: number; reason: string; message: string }[]) {
      if (generated.mustAccept[r.index]) {
        violations.push({
          cause: `${where}: a valid message was rejected (${r.reason})`,
          detail: `${r.message}; message ${clip(messages.raws[r.index], 400)}`,
        });
      }
    }

    // Exactly once: the first accepted message with a messageId not stored before is stored.
    const newlyStored: Expectation[] = [];
    const idsInRequest = new Set<string>();
    let expectedStored = 0;
    let expectedDuplicates = 0;
    messages.raws.forEach((raw, index) => {
      if (rejectedIndexes.has(index)) return;
      const id = messageIdOf(raw);
      if (id !== null && (this.storedIds.has(id) || idsInRequest.has(id))) {
        expectedDuplicates++;
        return;
      }
      expectedStored++;
      if (id === null) return;
      idsInRequest.add(id);
      const defaults = messages.defaults;
      newlyStored.push(
        expectationOf(raw as any, id, messages.endpointType, defaults, started, finished),
      );
    });
    for (const e of newlyStored) this.storedIds.add(e.messageId);
    if (stored !== expectedStored || duplicates !== expectedDuplicates) {
      violations.push({
        cause: `${where}: stored/duplicates differ from the messageIds already stored`,
        detail: `answered stored ${stored}, duplicates ${duplicates}; expected ${expectedStored}, ${expectedDuplicates}`,
      });
    }
    violations.push(...(await readBackViolations(this.server.test.db.dataSource, newlyStored)));
    return violations;
  }

  /** A refused request must have stored none of its new messageIds. */
  private async storedAnyway(messages: Messages | null): Promise<Violation[]> {
    const ids = (messages?.raws ?? [])
      .map(messageIdOf)
      .filter((id): id is string => id !== null && storable(id) && !this.storedIds.has(id));
    if (ids.length === 0) return [];
    const rows: { message_id: string }[] = await this.server.test.db.dataSource.query(
      'SELECT message_id FROM event_message_ids WHERE message_id = ANY($1::text[])',
      [ids],
    );
    for (const row of rows) this.storedIds.add(row.message_id);
    if (rows.length === 0) return [];
    return [
      {
        cause: 'ingest: a refused request stored messages',
        detail: `stored ${clip(rows.map((r) => r.message_id))}`,
      },
    ];
  }

  private render(
    generated: IngestRequest,
    shrinkAttempt: number | undefined,
  ): { text: string; received: unknown } {
    if (generated.rawBody !== undefined) return { text: generated.rawBody, received: undefined };
    let body =
      shrinkAttempt === undefined
        ? generated.body
        : withFreshMessageIds(generated.body, shrinkAttempt);
    const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
    if (isObject && generated.auth === 'writeKeyInBody')
      body = { ...(body as object), writeKey: this.server.test.keys.ingest };
    if (isObject && generated.auth === 'longKey')
      body = { ...(body as object), writeKey: `hmy_${'k'.repeat(300_000)}` };
    const text = expandDeepValues(JSON.stringify(body));
    return { text, received: JSON.parse(text) };
  }

  private headers(generated: IngestRequest): Record<string, string> {
    const keys = this.server.test.keys;
    const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const authorization: Partial<Record<IngestRequest['auth'], string>> = {
      basic: basic(keys.ingest),
      bearer: `Bearer ${keys.ingest}`,
      unknownKey: basic('hmy_not_a_key_the_server_knows'),
      readScopeKey: basic(keys.read),
    };
    const header = authorization[generated.auth];
    return {
      'content-type': generated.contentType,
      ...(header ? { authorization: header } : {}),
    };
  }
}

/** A copy of a request body whose string messageIds end in `~attempt`. */
function withFreshMessageIds(body: unknown, attempt: number): unknown {
  const fresh = (message: unknown) =>
    message && typeof message === 'object' && typeof (message as any).messageId === 'string'
      ? { ...message, messageId: `${(message as any).messageId}~${attempt}` }
      : message;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const batch = (body as { batch?: unknown }).batch;
  return Array.isArray(batch) ? { ...body, batch: batch.map(fresh) } : fresh(body);
}

type Messages = { raws: unknown[]; endpointType: string | undefined; defaults: BatchDefaults };

/** The messages a request carries as the server received them; null when it carries none. */
function messagesOf(generated: IngestRequest, received: unknown): Messages | null {
  if (!received || typeof received !== 'object' || Array.isArray(received)) return null;
  const body = received as Record<string, unknown>;
  if (generated.endpoint !== 'batch') {
    return { raws: [body], endpointType: generated.endpoint.toLowerCase(), defaults: {} };
  }
  if (!Array.isArray(body.batch)) return null;
  return { raws: body.batch, endpointType: undefined, defaults: batchDefaultsOf(body) };
}

/** `{ success: true, stored, duplicates, rejected }` adding up to the messages sent. */
function answerShapeViolations(where: string, body: any, sent: number): Violation[] {
  const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
  if (
    body?.success !== true ||
    !isCount(body.stored) ||
    !isCount(body.duplicates) ||
    !Array.isArray(body.rejected)
  ) {
    return [
      { cause: `${where}: a 200 answer without stored/duplicates/rejected`, detail: clip(body) },
    ];
  }
  const violations: Violation[] = [];
  const total = body.stored + body.duplicates + body.rejected.length;
  if (total !== sent) {
    violations.push({
      cause: `${where}: stored + duplicates + rejected != messages sent`,
      detail: `stored ${body.stored} + duplicates ${body.duplicates} + rejected ${body.rejected.length} != ${sent}`,
    });
  }
  const indexes = new Set<number>();
  for (const r of body.rejected) {
    const badIndex = !Number.isInteger(r?.index) || r.index < 0 || r.index >= sent;
    if (badIndex || indexes.has(r.index)) {
      violations.push({
        cause: `${where}: a rejection with a bad or repeated index`,
        detail: clip(r),
      });
    }
    indexes.add(r?.index);
    if (
      typeof r?.reason !== 'string' ||
      !r.reason ||
      typeof r?.message !== 'string' ||
      !r.message
    ) {
      violations.push({
        cause: `${where}: a rejection without reason or message`,
        detail: clip(r),
      });
    }
  }
  return violations;
}
