import fc from 'fast-check';
import examples from '../fixtures/segment-spec/segment_docs_examples.json';
import {
  hostileString,
  longString,
  plainText,
  rawCodeUnitString,
  wrongTypeValue,
} from './text-arbitraries';
import {
  MESSAGE_TYPES,
  accountIdValue,
  anonymousIdValue,
  eventNameValue,
  hostileContext,
  hostileIdValue,
  hostileJsonValue,
  hostileMessageIdValue,
  hostileObjectField,
  hostileTypeValue,
  messageIdValue,
  objectOf,
  plainContext,
  plainObject,
  timestampValue,
  userIdValue,
} from './segment-values';

/**
 * Generated Segment requests: valid messages, messages with one field made hostile, messages
 * hostile in every field, the real payloads of Segment's docs, batch-level context, sentAt and
 * integrations, and whole requests that must be refused (bad JSON, over-size, bad keys).
 */

/** How the request carries its write key. */
export type IngestAuth =
  'basic' | 'bearer' | 'writeKeyInBody' | 'none' | 'unknownKey' | 'longKey' | 'readScopeKey';

export type IngestRequest = {
  /** What kind of request this is, for the report. */
  kind: string;
  /** Path under `/v1/`. */
  endpoint: string;
  auth: IngestAuth;
  /** The JSON body; ignored when `rawBody` is set. */
  body?: unknown;
  /** Raw text sent instead of a JSON body (broken JSON, oversize bodies built cheaply). */
  rawBody?: string;
  contentType: string;
  /**
   * One entry per message (the batch's items, or the single call's body): true when a server
   * following the README must accept the message (store it or count it as a duplicate).
   */
  mustAccept: boolean[];
  /** A whole-request refusal this request must get, when it is built to get one. */
  expectedStatus?: number;
};

type Generated = { message: Record<string, unknown>; valid: boolean };

// ---------------------------------------------------------------------------------------------
// Messages

/** Client times within 40 years of each other, so the clock-skew correction stays after 1970. */
const validInstant = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
const validTimestamps = fc.record(
  { timestamp: validInstant, sentAt: validInstant },
  { requiredKeys: [] },
);

/** A message any Segment-compatible server must accept. */
export const validMessage: fc.Arbitrary<Generated> = fc
  .record({
    type: fc.constantFrom(
      'track',
      'track',
      'track',
      'page',
      'screen',
      'identify',
      'group',
      'alias',
    ),
    who: fc.oneof(
      fc.record({ userId: userIdValue }),
      fc.record({ anonymousId: anonymousIdValue }),
      fc.record({ userId: userIdValue, anonymousId: anonymousIdValue }),
    ),
    userId: userIdValue,
    messageId: messageIdValue,
    event: eventNameValue,
    name: plainText,
    groupId: accountIdValue,
    previousId: anonymousIdValue,
    properties: plainObject,
    traits: plainObject,
    context: plainContext,
    times: validTimestamps,
  })
  .map((m) => {
    const message: Record<string, unknown> = { type: m.type, messageId: m.messageId, ...m.who };
    if (m.type === 'track') message.event = m.event;
    if (m.type === 'page' || m.type === 'screen') message.name = m.name;
    if (m.type === 'group') message.groupId = m.groupId;
    if (m.type === 'alias') Object.assign(message, { userId: m.userId, previousId: m.previousId });
    if (m.type === 'identify' || m.type === 'group') message.traits = m.traits;
    else message.properties = m.properties;
    return { message: { ...message, context: m.context, ...m.times }, valid: true };
  });

const EXTRA_KEYS = ['version', 'channel', 'receivedAt', 'writeKey', 'batch', 'projectId', '_meta'];

/** Every field hostile, any of them missing, unknown fields added. */
const hostileMessage: fc.Arbitrary<Generated> = fc
  .record(
    {
      type: hostileTypeValue,
      action: fc.constantFrom('track', 'identify', 'nonsense'),
      messageId: hostileMessageIdValue,
      userId: hostileIdValue,
      anonymousId: hostileIdValue,
      groupId: hostileIdValue,
      previousId: hostileIdValue,
      event: fc.oneof(eventNameValue, hostileString, longString, wrongTypeValue),
      name: fc.oneof(plainText, hostileString, wrongTypeValue),
      category: fc.oneof(plainText, hostileString, wrongTypeValue),
      properties: hostileObjectField,
      traits: hostileObjectField,
      context: hostileContext,
      integrations: hostileObjectField,
      timestamp: timestampValue,
      originalTimestamp: timestampValue,
      sentAt: timestampValue,
    },
    { requiredKeys: [] },
  )
  .chain((message) =>
    fc
      .array(fc.tuple(fc.constantFrom(...EXTRA_KEYS), hostileJsonValue), { maxLength: 2 })
      .map((extras) => ({ message: { ...objectOf(extras), ...message }, valid: false })),
  );

type FieldMutation = { field: string; value: unknown } | { field: string; remove: true };

/** One field of a valid message replaced by a hostile value, or removed. */
const fieldMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
  fc.record({ field: fc.constantFrom('type', 'action'), value: hostileTypeValue }),
  fc.record({ field: fc.constant('messageId'), value: hostileMessageIdValue }),
  fc.record({
    field: fc.constantFrom('userId', 'anonymousId', 'groupId', 'previousId'),
    value: hostileIdValue,
  }),
  fc.record({
    field: fc.constant('event'),
    value: fc.oneof(hostileString, longString, wrongTypeValue),
  }),
  fc.record({
    field: fc.constantFrom('properties', 'traits', 'integrations'),
    value: hostileObjectField,
  }),
  fc.record({ field: fc.constant('context'), value: hostileContext }),
  fc.record({
    field: fc.constantFrom('timestamp', 'originalTimestamp', 'sentAt'),
    value: timestampValue,
  }),
  fc.record({
    field: fc.constantFrom('type', 'userId', 'event', 'groupId', 'previousId', 'messageId'),
    remove: fc.constant(true as const),
  }),
);

const mutatedMessage: fc.Arbitrary<Generated> = fc
  .tuple(validMessage, fieldMutation)
  .map(([{ message }, mutation]) => {
    const copy = { ...message };
    if ('remove' in mutation) delete copy[mutation.field];
    else copy[mutation.field] = mutation.value;
    return { message: copy, valid: false };
  });

/** The payloads of Segment's own documentation (single calls; the batch example is below). */
const SPEC_MESSAGES = (examples as { payload: Record<string, unknown> }[])
  .map((example) => example.payload)
  .filter((payload) => !('batch' in payload));
const SPEC_BATCH = (examples as { payload: Record<string, unknown> }[])
  .map((example) => example.payload)
  .find((payload) => 'batch' in payload)!;

const specMessage: fc.Arbitrary<Generated> = fc
  .tuple(fc.constantFrom(...SPEC_MESSAGES), fc.option(messageIdValue))
  .map(([payload, messageId]) => ({
    message: messageId ? { ...payload, messageId } : { ...payload },
    valid: false,
  }));

export const message: fc.Arbitrary<Generated> = fc.oneof(
  { weight: 5, arbitrary: validMessage },
  { weight: 4, arbitrary: mutatedMessage },
  { weight: 2, arbitrary: hostileMessage },
  { weight: 1, arbitrary: specMessage },
);

// ---------------------------------------------------------------------------------------------
// Requests

const validAuth = fc.constantFrom<IngestAuth>(
  'basic',
  'basic',
  'basic',
  'bearer',
  'writeKeyInBody',
);

/** Batch-level fields; `valid` when every message may take them as they are. */
const batchLevel: fc.Arbitrary<{ fields: Record<string, unknown>; valid: boolean }> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          context: plainContext,
          integrations: fc.constant({ All: true, Mixpanel: false }),
          sentAt: validInstant,
        },
        { requiredKeys: [] },
      )
      .map((fields) => ({ fields: { ...fields }, valid: true })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record(
        {
          context: hostileContext,
          integrations: hostileObjectField,
          sentAt: timestampValue,
          extra: hostileJsonValue,
        },
        { requiredKeys: [] },
      )
      .map((fields) => ({ fields: { ...fields }, valid: false })),
  },
);

const batchRequest: fc.Arbitrary<IngestRequest> = fc
  .record({
    messages: fc.array(message, { maxLength: 12 }),
    level: batchLevel,
    auth: validAuth,
  })
  .map(({ messages, level, auth }) => ({
    kind: 'batch',
    endpoint: 'batch',
    auth,
    body: { ...level.fields, batch: messages.map((m) => m.message) },
    contentType: 'application/json',
    mustAccept: messages.map((m) => m.valid && level.valid),
  }));

const singleCallRequest: fc.Arbitrary<IngestRequest> = fc
  .record({
    generated: message,
    endpoint: fc.option(fc.constantFrom(...MESSAGE_TYPES), { freq: 4 }),
    auth: validAuth,
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/json'),
  })
  .map(({ generated, endpoint, auth, contentType }) => {
    const ownType = generated.message.type;
    const type =
      endpoint ?? (MESSAGE_TYPES.includes(ownType as never) ? (ownType as string) : 'track');
    return {
      kind: 'single call',
      endpoint: type,
      auth,
      body: generated.message,
      contentType,
      mustAccept: [generated.valid && type === ownType],
    };
  });

const tinyMessage = (i: number) => ({ type: 'track', userId: 'user-1', event: 'Tiny', i });

/** Whole requests that must be refused, one defect each, with the status they must get. */
const refusedRequest: fc.Arbitrary<IngestRequest> = fc.oneof(
  fc
    .constantFrom('{"batch": [', '{', 'nul\u0000l', '{"batch": [}]}', '', "{'batch': []}")
    .map((rawBody) => refused('broken JSON', 'batch', 'basic', { rawBody }, 400)),
  fc
    .constantFrom<unknown>([], [tinyMessage(0)], 'text', 42, null, true)
    .chain((body) =>
      fc
        .constantFrom('batch', 'track')
        .map((endpoint) => refused('body not an object', endpoint, 'basic', { body }, 400)),
    ),
  fc
    .constantFrom<unknown>(undefined, null, {}, 'batch', 12, { 0: {} })
    .map((batch) => refused('batch not an array', 'batch', 'basic', { body: { batch } }, 400)),
  fc
    .integer({ min: 2501, max: 2600 })
    .map((n) =>
      refused(
        'batch over 2,500 messages',
        'batch',
        'basic',
        { body: { batch: Array.from({ length: n }, (_, i) => tinyMessage(i)) } },
        400,
      ),
    ),
  fc.integer({ min: 520_000, max: 700_000 }).map((n) =>
    refused(
      'body over 500 KB',
      'batch',
      'basic',
      {
        rawBody: JSON.stringify({
          batch: [{ ...tinyMessage(0), properties: { padding: 'p'.repeat(n) } }],
        }),
      },
      413,
    ),
  ),
  fc
    .constantFrom<IngestAuth>('none', 'unknownKey', 'longKey')
    .map((auth) =>
      refused('bad write key', 'batch', auth, { body: { batch: [tinyMessage(0)] } }, 401),
    ),
  fc.constant(
    refused('key without the ingest scope', 'track', 'readScopeKey', { body: tinyMessage(0) }, 403),
  ),
  fc
    .constantFrom('nonsense', 'batch/1', 'v1/track')
    .map((endpoint) =>
      refused('unknown endpoint', endpoint, 'basic', { body: tinyMessage(0) }, 404),
    ),
);

function refused(
  kind: string,
  endpoint: string,
  auth: IngestAuth,
  payload: { body?: unknown; rawBody?: string },
  expectedStatus: number,
): IngestRequest {
  return {
    kind,
    endpoint,
    auth,
    ...payload,
    contentType: 'application/json',
    mustAccept: [],
    expectedStatus,
  };
}

/** The Segment docs' batch example, sent as it is and with hostile strings in its messages. */
const specBatchRequest: fc.Arbitrary<IngestRequest> = fc.option(rawCodeUnitString).map((noise) => ({
  kind: 'spec batch',
  endpoint: 'batch',
  auth: 'basic' as const,
  body: noise
    ? {
        ...SPEC_BATCH,
        batch: (SPEC_BATCH.batch as Record<string, unknown>[]).map((m) => ({
          ...m,
          properties: { noise },
        })),
      }
    : SPEC_BATCH,
  contentType: 'application/json',
  mustAccept: (SPEC_BATCH.batch as unknown[]).map(() => !noise),
}));

export const ingestRequest: fc.Arbitrary<IngestRequest> = fc.oneof(
  { weight: 12, arbitrary: batchRequest },
  { weight: 5, arbitrary: singleCallRequest },
  { weight: 2, arbitrary: refusedRequest },
  { weight: 1, arbitrary: specBatchRequest },
);
