import { serviceUnavailable } from '../shared/errors';
import type { IngestMessage } from './ingest-message';

type Pending = {
  messages: IngestMessage[];
  actor: string;
  resolve(stored: number): void;
  reject(error: unknown): void;
};

/** Upper bound of messages merged into one transaction. */
const MAX_GROUP_MESSAGES = 10_000;

/** Messages waiting for a transaction beyond which requests are refused. Default 50,000. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 50_000;

/** Seconds a refused client should wait; Segment's clients retry a 503 with backoff. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Group commit: one transaction at a time per process, each carrying every request that arrived
 * while the previous one ran (same API key only, so the change log names the right key).
 * Concurrent requests then never wait on each other's row locks, and share one commit. Each
 * request still gets its answer only after the transaction holding its messages committed.
 * If a merged transaction fails, its requests are retried one by one, so one request's failure
 * never fails another's.
 */
export class GroupCommit {
  private readonly queue: Pending[] = [];
  private queuedMessages = 0;
  private running = 0;

  constructor(
    private readonly writeGroup: (messages: IngestMessage[], actor: string) => Promise<Set<string>>,
    /** Transactions in flight at once; more than one lets PostgreSQL use several cores. */
    private readonly lanes = 4,
    /**
     * Backpressure: past this many waiting messages a request is refused at once (503) rather
     * than queued, so a database slower than the senders cannot grow memory without bound.
     */
    private readonly maxQueuedMessages = DEFAULT_MAX_QUEUED_MESSAGES,
  ) {}

  /** Messages waiting for a transaction (not those being written). */
  get queued(): number {
    return this.queuedMessages;
  }

  /** Resolves with how many of these messages this request stored (not duplicates). */
  submit(messages: IngestMessage[], actor: string): Promise<number> {
    if (this.queue.length > 0 && this.queuedMessages + messages.length > this.maxQueuedMessages) {
      return Promise.reject(
        serviceUnavailable(
          `The ingest queue is full: ${this.queuedMessages} messages wait for the database, at most ${this.maxQueuedMessages} (HARMONY_INGEST_MAX_QUEUED_MESSAGES); nothing was stored, retry later`,
          RETRY_AFTER_SECONDS,
          { limit: this.maxQueuedMessages, queued: this.queuedMessages },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ messages, actor, resolve, reject });
      this.queuedMessages += messages.length;
      if (this.running < this.lanes) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running++;
    try {
      while (this.queue.length) await this.runGroup(this.takeGroup());
    } finally {
      this.running--;
    }
  }

  private takeGroup(): Pending[] {
    const group = [this.queue.shift()!];
    let size = group[0].messages.length;
    while (
      this.queue.length &&
      this.queue[0].actor === group[0].actor &&
      size + this.queue[0].messages.length <= MAX_GROUP_MESSAGES
    ) {
      size += this.queue[0].messages.length;
      group.push(this.queue.shift()!);
    }
    this.queuedMessages -= size;
    return group;
  }

  private async runGroup(group: Pending[]): Promise<void> {
    // A messageId sent by two requests of the group belongs to the first one.
    const owner = new Map<string, Pending>();
    const messages: IngestMessage[] = [];
    for (const request of group) {
      for (const message of request.messages) {
        if (owner.has(message.messageId)) continue;
        owner.set(message.messageId, request);
        messages.push(message);
      }
    }
    try {
      const stored = await this.writeGroup(messages, group[0].actor);
      const counts = new Map<Pending, number>(group.map((request) => [request, 0]));
      for (const id of stored) counts.set(owner.get(id)!, counts.get(owner.get(id)!)! + 1);
      for (const request of group) request.resolve(counts.get(request)!);
    } catch (error) {
      if (group.length === 1) return group[0].reject(error);
      for (const request of group) await this.runGroup([request]);
    }
  }
}
