import type { DataSource } from 'typeorm';
import { clip, type Violation } from './invariants';

/**
 * What an accepted message must look like once stored, from the README's rules ("Meaning",
 * "Time", "Exactly once"): ids trimmed and numbers as text, `page`/`screen` stored as
 * `Page Viewed`/`Screen Viewed` with `name`, `category` and the page URL among the properties,
 * batch-level context under the message's own keys and `integrations` inside the context.
 */
export type Expectation = {
  messageId: string;
  type: string;
  /** The event name for track, page and screen; null for calls that store no event. */
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  groupId: string | null;
  contextGroupId: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  /** When the event must have happened, when the message's times say so exactly. */
  occurredAt: { from: number; to: number } | null;
};

/** What a batch adds to each of its messages. */
export type BatchDefaults = {
  context?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  sentAt?: string;
};

const EVENT_NAMES: Record<string, string | undefined> = {
  page: 'Page Viewed',
  screen: 'Screen Viewed',
};

type Raw = Record<string, any>;

/** The id a message is stored under; null when the server makes one up. */
export function messageIdOf(raw: unknown): string | null {
  const id = (raw as Raw | null)?.messageId;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  return String(id) || null;
}

export function batchDefaultsOf(body: Raw): BatchDefaults {
  const objectOrUndefined = (value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  return {
    context: objectOrUndefined(body.context),
    integrations: objectOrUndefined(body.integrations),
    sentAt: typeof body.sentAt === 'string' ? body.sentAt : undefined,
  };
}

/**
 * The stored form of a message the server accepted (so its fields have valid types), received
 * between `receivedFrom` and `receivedTo` (ms).
 */
export function expectationOf(
  raw: Raw,
  messageId: string,
  endpointType: string | undefined,
  defaults: BatchDefaults,
  receivedFrom: number,
  receivedTo: number,
): Expectation {
  const type = String(endpointType ?? raw.type ?? raw.action ?? '').toLowerCase();
  const context: Record<string, unknown> = { ...defaults.context, ...raw.context };
  const integrations = raw.integrations ?? defaults.integrations;
  if (integrations) context.integrations = integrations;
  const properties: Record<string, unknown> = { ...raw.properties };
  if (type === 'page' || type === 'screen') {
    if (raw.name != null) properties.name = raw.name;
    if (raw.category != null) properties.category = raw.category;
    const url = (context.page as Raw | null | undefined)?.url;
    if (type === 'page' && properties.url === undefined && typeof url === 'string')
      properties.url = url;
  }
  const contextGroupId = typeof context.groupId === 'string' ? context.groupId.trim() : '';
  return {
    messageId,
    type,
    event: type === 'track' ? String(raw.event).trim() : (EVENT_NAMES[type] ?? null),
    userId: trimmedId(raw.userId),
    anonymousId: trimmedId(raw.anonymousId),
    groupId: trimmedId(raw.groupId),
    contextGroupId: contextGroupId || null,
    properties,
    context,
    occurredAt: occurredAtOf(raw, defaults, receivedFrom, receivedTo),
  };
}

function trimmedId(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  return String(value).trim() || null;
}

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * `receivedAt − (sentAt − originalTimestamp)`, the client's time without sentAt, the receive
 * time without either; only for times in the canonical ISO form (others are the parser's tests).
 */
function occurredAtOf(
  raw: Raw,
  defaults: BatchDefaults,
  receivedFrom: number,
  receivedTo: number,
): { from: number; to: number } | null {
  const original = raw.originalTimestamp ?? raw.timestamp;
  const sentAt = raw.sentAt ?? defaults.sentAt;
  const instant = (text: unknown) =>
    typeof text === 'string' && CANONICAL.test(text) ? Date.parse(text) : NaN;
  if (!original) return { from: receivedFrom, to: receivedTo };
  const originalMs = instant(original);
  if (Number.isNaN(originalMs)) return null;
  if (!sentAt) return { from: originalMs, to: originalMs };
  const skew = instant(sentAt) - originalMs;
  if (Number.isNaN(skew)) return null;
  return { from: receivedFrom - skew, to: receivedTo - skew };
}

type EventRow = {
  message_id: string;
  type: string;
  anonymous_id: string | null;
  properties: unknown;
  context: unknown;
  occurred_at: Date;
  user_external_id: string | null;
  account_external_id: string | null;
  event_names: string[];
};

/** Reads the stored messages back and compares them with what was sent. */
export async function readBackViolations(
  dataSource: DataSource,
  expectations: Expectation[],
): Promise<Violation[]> {
  if (expectations.length === 0) return [];
  // PostgreSQL text cannot hold NUL: such an id cannot have been stored, nor be looked up.
  const ids = expectations.map((e) => e.messageId).filter(storable);
  const rows: EventRow[] = await dataSource.query(
    `SELECT e.message_id, e.type, e.anonymous_id, e.properties, e.context, e.occurred_at,
            u.external_id AS user_external_id, a.external_id AS account_external_id,
            ARRAY(SELECT alias FROM event_definition_aliases x
                  WHERE x.definition_id = e.definition_id) AS event_names
     FROM events e
     LEFT JOIN users u ON u.id = e.user_id
     LEFT JOIN accounts a ON a.id = e.account_id
     WHERE e.message_id = ANY($1::text[])`,
    [ids],
  );
  const claimed = new Set(
    (
      await dataSource.query(
        `SELECT message_id FROM event_message_ids WHERE message_id = ANY($1::text[])`,
        [ids],
      )
    ).map((row: { message_id: string }) => row.message_id),
  );
  const entities = await existingEntities(dataSource, expectations);
  const eventsById = new Map<string, EventRow[]>();
  for (const row of rows)
    eventsById.set(row.message_id, [...(eventsById.get(row.message_id) ?? []), row]);

  const violations: Violation[] = [];
  const differ = (field: string, expected: Expectation, seen: unknown, wanted: unknown) =>
    violations.push({
      cause: `ingest: a stored ${expected.type} message reads back with another ${field}`,
      detail: `messageId ${clip(expected.messageId, 120, true)}: stored ${clip(seen, 300, true)}, sent ${clip(wanted, 300, true)}`,
    });
  for (const expected of expectations) {
    const found = eventsById.get(expected.messageId) ?? [];
    if (!claimed.has(expected.messageId)) {
      violations.push({
        cause: 'ingest: a message counted as stored has no row under its messageId',
        detail: `messageId ${clip(expected.messageId, 120, true)} (${expected.type})`,
      });
      continue;
    }
    if (expected.event === null) {
      if (found.length > 0) differ('kind (an event row)', expected, found.length, 0);
      if (expected.type === 'identify' && expected.userId && !entities.users.has(expected.userId))
        differ('user (missing)', expected, null, expected.userId);
      if (expected.type === 'group' && expected.groupId && !entities.accounts.has(expected.groupId))
        differ('account (missing)', expected, null, expected.groupId);
      continue;
    }
    if (found.length !== 1) {
      differ('number of event rows', expected, found.length, 1);
      continue;
    }
    const row = found[0];
    if (row.type !== expected.type) differ('type', expected, row.type, expected.type);
    if (!row.event_names.includes(expected.event))
      differ('event name', expected, row.event_names, expected.event);
    if (!sameJson(row.properties, expected.properties))
      differ('properties', expected, row.properties, expected.properties);
    if (!sameJson(row.context, expected.context))
      differ('context', expected, row.context, expected.context);
    if (row.anonymous_id !== expected.anonymousId)
      differ('anonymousId', expected, row.anonymous_id, expected.anonymousId);
    if (expected.userId && row.user_external_id !== expected.userId)
      differ('userId', expected, row.user_external_id, expected.userId);
    if (expected.contextGroupId && row.account_external_id !== expected.contextGroupId)
      differ(
        'account (context.groupId)',
        expected,
        row.account_external_id,
        expected.contextGroupId,
      );
    const at = row.occurred_at.getTime();
    if (expected.occurredAt && (at < expected.occurredAt.from || at > expected.occurredAt.to)) {
      differ('time', expected, row.occurred_at.toISOString(), {
        from: new Date(expected.occurredAt.from).toISOString(),
        to: new Date(expected.occurredAt.to).toISOString(),
      });
    }
  }
  return violations;
}

async function existingEntities(
  dataSource: DataSource,
  expectations: Expectation[],
): Promise<{ users: Set<string>; accounts: Set<string> }> {
  const userIds = expectations.flatMap((e) =>
    e.type === 'identify' && e.userId ? [e.userId] : [],
  );
  const accountIds = expectations.flatMap((e) =>
    e.type === 'group' && e.groupId ? [e.groupId] : [],
  );
  const lookup = async (table: 'users' | 'accounts', ids: string[]) =>
    ids.length === 0
      ? new Set<string>()
      : new Set<string>(
          (
            await dataSource.query(
              `SELECT external_id FROM ${table} WHERE external_id = ANY($1::text[])`,
              [ids],
            )
          ).map((row: { external_id: string }) => row.external_id),
        );
  return { users: await lookup('users', userIds), accounts: await lookup('accounts', accountIds) };
}

/** Whether PostgreSQL text can hold the string (no NUL). */
export function storable(text: string): boolean {
  return !text.includes('\u0000');
}

/** Deep JSON equality, key order ignored; iterative, as the fuzzer nests thousands deep. */
export function sameJson(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const xKeys = Object.keys(x);
    const yKeys = Object.keys(y);
    if (xKeys.length !== yKeys.length) return false;
    for (const key of xKeys) {
      if (!Object.prototype.hasOwnProperty.call(y, key)) return false;
      stack.push([(x as Raw)[key], (y as Raw)[key]]);
    }
  }
  return true;
}
