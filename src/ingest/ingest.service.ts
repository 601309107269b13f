import type { DataSource } from 'typeorm';
import type { Principal } from '../domain/api-key/api-key.service';
import { HarmonyError } from '../shared/errors';
import type { IngestMessage, MessageType, Rejection } from './ingest-message';
import { IngestWriter, type IngestWriterOptions } from './ingest-writer';
import { isRejection, validateMessage, type MessageDefaults } from './validate-message';

/** Segment's limit on messages per batch call. */
export const MAX_BATCH_MESSAGES = 2500;

export type IngestAnswer = {
  success: true;
  /** Messages newly stored. */
  stored: number;
  /** Valid messages whose messageId was stored before (retries); accepted, not stored again. */
  duplicates: number;
  /** Messages refused one by one; the others were stored. */
  rejected: Rejection[];
};

/** Validates a Segment call (single or batch) and stores what is valid, all or nothing. */
export class IngestService {
  private readonly writer: IngestWriter;

  constructor(dataSource: DataSource, options: IngestWriterOptions = {}) {
    this.writer = new IngestWriter(dataSource, options);
  }

  /** Messages waiting for the writer; past HARMONY_INGEST_MAX_QUEUED_MESSAGES requests get 503. */
  get queuedMessages(): number {
    return this.writer.queuedMessages;
  }

  /**
   * `type` is the endpoint's call type (`/v1/track`), or undefined for `/v1/batch`, whose body
   * is `{ batch: [...], context?, integrations?, sentAt? }`.
   */
  async ingest(
    body: Record<string, unknown>,
    type: MessageType | undefined,
    principal: Principal,
    receivedAt = new Date(),
  ): Promise<IngestAnswer> {
    const { raws, defaults } = splitRequest(body, type, receivedAt);
    const valid: IngestMessage[] = [];
    const rejected: Rejection[] = [];
    raws.forEach((raw, index) => {
      const result = validateMessage(raw, index, defaults);
      if (isRejection(result)) rejected.push(result);
      else valid.push(result);
    });
    if (valid.length === 0) return { success: true, stored: 0, duplicates: 0, rejected };
    const written = await this.writer.write(valid, principal.name);
    if (written.rejected.length) {
      rejected.push(...written.rejected);
      rejected.sort((a, b) => a.index - b.index);
    }
    return { success: true, stored: written.stored, duplicates: written.duplicates, rejected };
  }
}

function splitRequest(
  body: Record<string, unknown>,
  type: MessageType | undefined,
  receivedAt: Date,
): { raws: unknown[]; defaults: MessageDefaults } {
  if (type) return { raws: [body], defaults: { type, receivedAt } };
  const { batch, context, integrations, sentAt } = body;
  if (!Array.isArray(batch))
    throw new HarmonyError('BAD_USER_INPUT', 'expected "batch" to be an array of messages');
  if (batch.length > MAX_BATCH_MESSAGES) {
    throw new HarmonyError(
      'BAD_USER_INPUT',
      `a batch holds at most ${MAX_BATCH_MESSAGES} messages, got ${batch.length}`,
    );
  }
  const objectOrUndefined = (value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  return {
    raws: batch,
    defaults: {
      context: objectOrUndefined(context),
      integrations: objectOrUndefined(integrations),
      sentAt: typeof sentAt === 'string' ? sentAt : undefined,
      receivedAt,
    },
  };
}
