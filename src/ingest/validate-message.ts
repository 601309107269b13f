import crypto from 'node:crypto';
import { z } from 'zod';
import {
  MESSAGE_TYPES,
  type IngestMessage,
  type MessageType,
  type Rejection,
  type RejectionReason,
} from './ingest-message';
import { findUnstorableValue, type UnstorableValue } from './storable-json';
import { correctClockSkew, isStorableEventTime, parseLenientTimestamp } from './timestamps';

/** Segment's per-message limit. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
/** Segment's rule: a messageId is under 100 characters. */
export const MAX_MESSAGE_ID_LENGTH = 99;
/**
 * Ids (userId, anonymousId, groupId, previousId, context.groupId) and the text traits that land
 * in indexed columns (email, industry): a btree entry holds at most ~2,700 bytes.
 */
export const MAX_ID_LENGTH = 255;
export const MAX_EVENT_NAME_LENGTH = 200;

/** Ids may arrive as numbers (`userId: 42`); they are stored as text. */
const idSchema = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .pipe(z.string().max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`))
  .nullish();
/** Traits, properties, context: any JSON object, taken as it is (a record schema copies every key). */
const objectSchema = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    { message: 'expected a JSON object' },
  )
  .nullish();
const timeSchema = z.string().nullish();

const rawMessageSchema = z.looseObject({
  type: z.string().nullish(),
  action: z.string().nullish(),
  messageId: z
    .union([z.string(), z.number()])
    .transform((value) => String(value))
    .nullish(),
  userId: idSchema,
  anonymousId: idSchema,
  groupId: idSchema,
  previousId: idSchema,
  event: z.string().nullish(),
  name: z.string().nullish(),
  category: z.string().nullish(),
  traits: objectSchema,
  properties: objectSchema,
  context: objectSchema,
  integrations: objectSchema,
  timestamp: timeSchema,
  originalTimestamp: timeSchema,
  sentAt: timeSchema,
});

/** What a request adds to each of its messages. */
export type MessageDefaults = {
  /** The call's type when it comes from the endpoint (`/v1/track`), not from the message. */
  type?: MessageType;
  /** Batch-level `context`; a message's own keys win. */
  context?: Record<string, unknown>;
  /** Batch-level `integrations`, kept under `context.integrations`. */
  integrations?: Record<string, unknown>;
  /** Batch-level `sentAt`. */
  sentAt?: string;
  receivedAt: Date;
};

/** Checks one message against Segment's rules and normalises it, or says why it is refused. */
export function validateMessage(
  raw: unknown,
  index: number,
  defaults: MessageDefaults,
): IngestMessage | Rejection {
  const rawMessageId =
    raw && typeof raw === 'object' && 'messageId' in raw
      ? String((raw as { messageId: unknown }).messageId)
      : null;
  const reject = (reason: RejectionReason, message: string): Rejection => ({
    index,
    messageId: rawMessageId,
    reason,
    message,
  });

  if (!isObject(raw)) return reject('invalid_field', 'expected each message to be a JSON object');
  // Checked as stored: the message with what it takes from the batch's context and integrations.
  const unstorable = findUnstorableValue(raw, 1, '');
  if (unstorable) return reject('invalid_field', describe(unstorable));
  const taken = batchPartsTaken(raw, defaults);
  if ('unstorable' in taken) return reject('invalid_field', describe(taken.unstorable));
  const bytes = Buffer.byteLength(JSON.stringify(raw)) + taken.bytes;
  if (bytes > MAX_MESSAGE_BYTES) {
    const merged = taken.bytes ? " with the batch's context" : '';
    return reject('message_too_large', `message is ${bytes} bytes${merged}, the limit is 32 KB`);
  }

  const parsed = rawMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject('invalid_field', `${issue.path.join('.')}: ${issue.message}`);
  }
  const m = parsed.data;

  // Old Segment docs (the B2B SaaS spec) name the call in "action" instead of "type".
  const type = (defaults.type ?? m.type ?? m.action ?? '').toLowerCase();
  if (!MESSAGE_TYPES.includes(type as MessageType))
    return reject('invalid_type', `expected type to be one of ${MESSAGE_TYPES.join(', ')}`);
  const userId = m.userId || null;
  const anonymousId = m.anonymousId || null;
  if (!userId && !anonymousId)
    return reject('no_user_anon_id', 'every message needs a userId or an anonymousId');

  const messageId = m.messageId || crypto.randomUUID();
  if (messageId.length > MAX_MESSAGE_ID_LENGTH)
    return reject('message_id_too_long', `messageId must be under 100 characters`);

  const event = eventNameOf(type as MessageType, m.event);
  if (type === 'track' && !event) return reject('missing_event', 'a track call needs an event');
  if (event && event.length > MAX_EVENT_NAME_LENGTH)
    return reject('invalid_field', tooLong('event', MAX_EVENT_NAME_LENGTH, event));
  if (type === 'group' && !m.groupId)
    return reject('missing_group_id', 'a group call needs a groupId');
  if (type === 'alias' && (!m.previousId || !userId))
    return reject('missing_previous_id', 'an alias call needs a previousId and a userId');

  const times = {} as Record<'original' | 'sentAt', Date | null>;
  for (const [name, text] of [
    ['original', m.originalTimestamp ?? m.timestamp],
    ['sentAt', m.sentAt ?? defaults.sentAt],
  ] as const) {
    times[name] = text ? parseTimestamp(text, defaults) : null;
    if (text && !times[name])
      return reject('invalid_timestamp', `expected an ISO-8601 timestamp, got "${text}"`);
  }

  const occurredAt = correctClockSkew({ ...times, receivedAt: defaults.receivedAt });
  if (!isStorableEventTime(occurredAt)) {
    return reject(
      'invalid_timestamp',
      'corrected for the client clock (sentAt), the event would fall outside the years 1970 to 9999',
    );
  }

  const context: Record<string, unknown> = { ...defaults.context, ...m.context };
  const integrations = m.integrations ?? defaults.integrations;
  if (integrations) context.integrations = integrations;
  const contextGroupId = typeof context.groupId === 'string' ? context.groupId.trim() : null;
  if (contextGroupId && contextGroupId.length > MAX_ID_LENGTH)
    return reject('invalid_field', tooLong('context.groupId', MAX_ID_LENGTH, contextGroupId));
  const traits = m.traits ?? {};
  for (const name of INDEXED_TRAITS[type as MessageType] ?? []) {
    const value = traits[name];
    if (typeof value === 'string' && value.trim().length > MAX_ID_LENGTH)
      return reject('invalid_field', tooLong(`traits.${name}`, MAX_ID_LENGTH, value.trim()));
  }

  return {
    index,
    type: type as MessageType,
    messageId,
    userId,
    anonymousId,
    event,
    groupId: m.groupId || null,
    previousId: m.previousId || null,
    contextGroupId: contextGroupId || null,
    traits,
    properties: propertiesOf(type as MessageType, m, context),
    context,
    occurredAt,
    receivedAt: defaults.receivedAt,
  };
}

/** Traits that go to an indexed text column (see traits.ts), by call type. */
const INDEXED_TRAITS: Partial<Record<MessageType, string[]>> = {
  identify: ['email'],
  group: ['industry'],
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe({ path, problem }: UnstorableValue): string {
  const field = path.length > 200 ? `${path.slice(0, 200)}…` : path || 'message';
  return `${field}: ${problem}`;
}

function tooLong(field: string, limit: number, value: string): string {
  return `${field}: must be at most ${limit} characters, got ${value.length}`;
}

/** A batch-level value a message takes unless it has its own, checked and measured once. */
type BatchPart = { key: string; bytes: number; unstorable: UnstorableValue | null };
type BatchParts = { context: BatchPart[]; integrations: BatchPart | null };

const checkedBatchParts = new WeakMap<MessageDefaults, BatchParts>();

/**
 * What the message takes from the batch's context (the keys it does not set itself) and
 * integrations (unless it has its own): the first refused value among them, or their size in
 * the stored message. Each batch-level value is checked once per request, not once per message.
 */
function batchPartsTaken(
  raw: Record<string, unknown>,
  defaults: MessageDefaults,
): { bytes: number } | { unstorable: UnstorableValue } {
  if (!defaults.context && !defaults.integrations) return { bytes: 0 };
  let parts = checkedBatchParts.get(defaults);
  if (!parts) checkedBatchParts.set(defaults, (parts = checkBatchParts(defaults)));
  const own = isObject(raw.context) ? raw.context : undefined;
  let bytes = 0;
  for (const part of parts.context) {
    if (own && Object.hasOwn(own, part.key)) continue;
    if (part.unstorable) return { unstorable: part.unstorable };
    bytes += part.bytes;
  }
  if (parts.integrations && raw.integrations == null) {
    if (parts.integrations.unstorable) return { unstorable: parts.integrations.unstorable };
    bytes += parts.integrations.bytes;
  }
  return { bytes };
}

function checkBatchParts({ context, integrations }: MessageDefaults): BatchParts {
  // In a message, context is at level 2 and context.integrations at level 3.
  const part = (key: string, value: unknown, level: number, path: string): BatchPart => {
    const unstorable = findUnstorableValue({ [key]: value }, level, path);
    const bytes = unstorable ? 0 : Buffer.byteLength(JSON.stringify({ [key]: value })) - 1;
    return { key, bytes, unstorable };
  };
  return {
    context: Object.entries(context ?? {}).map(([key, value]) => part(key, value, 2, 'context')),
    integrations: integrations ? part('integrations', integrations, 2, 'context') : null,
  };
}

/** The batch-level sentAt is parsed once per request, not once per message. */
const parsedSentAt = new WeakMap<MessageDefaults, Date | null>();

function parseTimestamp(text: string, defaults: MessageDefaults): Date | null {
  if (text !== defaults.sentAt) return parseLenientTimestamp(text);
  if (!parsedSentAt.has(defaults)) parsedSentAt.set(defaults, parseLenientTimestamp(text));
  return parsedSentAt.get(defaults)!;
}

function eventNameOf(type: MessageType, event: string | null | undefined): string | null {
  if (type === 'page') return 'Page Viewed';
  if (type === 'screen') return 'Screen Viewed';
  if (type === 'track') return event?.trim() || null;
  return null;
}

/** Page and screen calls keep their name (and the page's URL) among the event's properties. */
function propertiesOf(
  type: MessageType,
  m: z.output<typeof rawMessageSchema>,
  context: Record<string, unknown>,
): Record<string, unknown> {
  const properties = { ...m.properties };
  if (type !== 'page' && type !== 'screen') return properties;
  if (m.name != null) properties.name = m.name;
  if (m.category != null) properties.category = m.category;
  const page = context.page as { url?: unknown } | undefined;
  if (type === 'page' && properties.url === undefined && typeof page?.url === 'string')
    properties.url = page.url;
  return properties;
}

export function isRejection(value: IngestMessage | Rejection): value is Rejection {
  return 'reason' in value;
}
