import fc from 'fast-check';
import examples from '../fixtures/segment-spec/segment_docs_examples.json';
import {
  hostileString,
  longString,
  numericId,
  plainText,
  rawCodeUnitString,
  wrongTypeValue,
} from './text-arbitraries';

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

export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;

// ---------------------------------------------------------------------------------------------
// Field values

/** Users and accounts come from small pools, so messages meet the same entities again. */
const userIdValue = fc.integer({ min: 0, max: 40 }).map((n) => `user-${n}`);
const anonymousIdValue = fc.integer({ min: 0, max: 40 }).map((n) => `anon-${n}`);
const accountIdValue = fc.integer({ min: 0, max: 15 }).map((n) => `acct-${n}`);
const eventNameValue = fc.constantFrom(
  'Signed In',
  'Report Submitted',
  'Song Played',
  'Account Created',
  'Feature Used',
  'Invite Sent',
);

/** Mostly fresh ids; some from a small pool, so retries (duplicates) happen across requests. */
const messageIdValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => `dup-${n}`) },
);

const hostileIdValue: fc.Arbitrary<unknown> = fc.oneof(
  userIdValue,
  userIdValue.map((id) => `  ${id}\t`),
  numericId,
  longString,
  hostileString,
  wrongTypeValue,
  fc.constantFrom('', '   '),
);

const hostileMessageIdValue: fc.Arbitrary<unknown> = fc.oneof(
  messageIdValue,
  fc.integer({ min: 0, max: 30 }).map((n) => `dup-${n}`),
  numericId,
  fc.constantFrom('', 'x'.repeat(99), 'x'.repeat(100), ' spaced id '),
  hostileString,
  wrongTypeValue,
);

const hostileTypeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...MESSAGE_TYPES),
  fc.constantFrom('TRACK', 'Identify', ' track', 'batch', 'unknown', 'event', ''),
  hostileString,
  wrongTypeValue,
);

/** Timestamps of every shape: canonical, lenient (as Segment's docs write them), absurd, wrong. */
export const timestampValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .date({
        min: new Date('1970-01-01'),
        max: new Date('9999-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        year: fc.integer({ min: 1969, max: 2100 }),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 24 }),
        separator: fc.constantFrom('T', ' ', 't'),
        fraction: fc.constantFrom('', '.5', '.276', ',123', '.123456789'),
        zone: fc.constantFrom('', 'Z', 'z', '+05:30', '-0800', '+05', '+14:00', '-12:00', '+99:99'),
      })
      .map(
        (t) =>
          `${t.year}-${t.month}-${String(t.day).padStart(2, '0')}${t.separator}${t.hour}:30:08${t.fraction}${t.zone}`,
      ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999-14:00',
      '+275760-09-13T00:00:00.000Z',
      '-000001-01-01T00:00:00Z',
      '10000-01-01T00:00:00Z',
      '2015-02-29T00:00:00Z',
      '2016-02-29T00:00:00Z',
      '2015-2-02T00:30:08.276Z',
      '2015-12-10 04:08:31',
      '2015-12-10',
      '1449720511905',
      'yesterday',
      '',
      '   ',
      'NaN',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(hostileString, numericId, wrongTypeValue) },
);

// ---------------------------------------------------------------------------------------------
// JSON objects (properties, traits, context)

const PROPERTY_KEYS = ['name', 'url', 'plan', 'seats', 'groupId', 'revenue', 'tags', 'a'] as const;
const plainKey = fc.oneof(fc.constantFrom(...PROPERTY_KEYS), plainText);

/** JSON that PostgreSQL stores as sent: no NUL, no lone surrogates, shallow. */
export const plainJsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plainText,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(plainKey, tie('value')), { maxLength: 3 }).map(objectOf),
  ),
})).value;

const plainObject: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(plainKey, plainJsonValue), { maxLength: 5 })
  .map(objectOf);

/** Own properties even for keys such as `__proto__` (Object.fromEntries defines, never sets). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries);
}

/**
 * Nesting deep enough to trouble a recursive parser or serialiser (V8's JSON.stringify gives up
 * near 8,000 levels), up to the 32 KB message limit and past it. A marker string stands for it
 * in the generated value (the fuzzer's own JSON.stringify could not hold it either);
 * `expandDeepValues` writes it out in the request text.
 */
const deepValue: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(20, 100, 1000, 5000, 10000, 15000), fc.constantFrom('arrays', 'objects'))
  .map(([depth, kind]) => `⟦deep ${depth} ${kind}⟧`);

/** Replaces each deep-nesting marker (a JSON string in `text`) with the nesting it stands for. */
export function expandDeepValues(text: string): string {
  return text.replace(/"⟦deep (\d+) (arrays|objects)⟧"/g, (_, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'arrays'
      ? `${'['.repeat(n)}"bottom"${']'.repeat(n)}`
      : `${'{"d":'.repeat(n)}"bottom"${'}'.repeat(n)}`;
  });
}

/** Strings around and over the 32 KB message limit. */
const oversizeValue: fc.Arbitrary<string> = fc
  .constantFrom(31_000, 32_600, 33_000, 100_000)
  .map((n) => 'p'.repeat(n));

const hostileKey = fc.oneof(plainKey, hostileString, fc.constantFrom('__proto__', '', 'a.b', '$'));

const hostileJsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plainText,
    hostileString,
    longString,
    fc.double(),
    fc.constantFrom(-0, 2 ** 53 + 1, 1e308, -1e-308),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 3 }).map(objectOf),
  ),
})).value;

const hostileObject: fc.Arbitrary<Record<string, unknown>> = fc
  .oneof(
    { weight: 4, arbitrary: fc.array(fc.tuple(hostileKey, hostileJsonValue), { maxLength: 4 }) },
    { weight: 1, arbitrary: deepValue.map((value) => [['deep', value]] as [string, unknown][]) },
    {
      weight: 1,
      arbitrary: oversizeValue.map((value) => [['padding', value]] as [string, unknown][]),
    },
  )
  .map(objectOf);

/** A hostile value for an object field: an object, or a value of the wrong type. */
const hostileObjectField: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileObject },
  { weight: 1, arbitrary: fc.oneof(wrongTypeValue, hostileString) },
);

/** Context as clients send it: library, page, and often the account as `groupId`. */
const plainContext: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      groupId: accountIdValue,
      page: fc.record({ url: fc.webUrl(), path: fc.webPath(), title: plainText }),
      library: fc.constant({ name: 'analytics-node', version: '3.1.0' }),
      ip: fc.ipV4(),
      locale: fc.constantFrom('en-US', 'de-DE'),
    },
    { requiredKeys: [] },
  )
  .map((context) => ({ ...context }));

const hostileContext: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileObjectField },
  {
    weight: 2,
    arbitrary: hostileIdValue.map((groupId) => ({ groupId })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(2704, 2705, 3000, 8000).map((n) => ({ groupId: 'g'.repeat(n) })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(hostileString, wrongTypeValue).map((url) => ({ page: { url } })),
  },
);

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
