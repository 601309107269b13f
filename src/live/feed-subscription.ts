import type { DataSource } from 'typeorm';
import { readChanges, type ChangeTopic, type RecordedChange } from '../signals/change-feed';
import { HarmonyError } from '../shared/errors';
import type { FeedTail } from './feed-tail';
import { createSubscriptionQueue } from './subscription-queue';

/** Rows read per statement while a subscription catches up from its cursor. */
const CATCH_UP_PAGE = 500;

export type FeedFilter = { topic: ChangeTopic; subject?: string; accountId?: string };

/**
 * One subscriber of the change feed, exactly once and in order: from its cursor (`after`) it
 * reads the feed table itself, page by page as the client reads; once level with the shared
 * tail it takes the tail's changes, skipping any seq it already passed. A client that reads
 * too slowly to keep `maxBuffered` changes in memory is ended with an error telling it where to
 * resume: nothing is dropped silently.
 */
export function followFeed(options: {
  dataSource: DataSource;
  tail: FeedTail;
  filter: FeedFilter;
  /** Exclusive cursor; null = changes from now on. */
  after: bigint | null;
  maxBuffered: number;
}): AsyncIterableIterator<RecordedChange> {
  const { dataSource, tail, filter, maxBuffered } = options;
  /** The last seq this subscriber has passed (delivered, or not its topic). */
  let cursor = options.after ?? tail.head;
  let live = false;
  let lastDelivered: string | null = options.after?.toString() ?? null;
  let closed = false;
  let room: (() => void) | null = null;

  const queue = createSubscriptionQueue<RecordedChange>({
    maxBuffered: Number.MAX_SAFE_INTEGER,
    onClose: () => {
      closed = true;
      stopFollowing();
      room?.();
    },
    onRead: (buffered) => {
      if (buffered < maxBuffered / 2) room?.();
    },
  });

  const deliver = (change: RecordedChange) => {
    cursor = BigInt(change.seq);
    if (!matches(change, filter)) return;
    if (queue.buffered >= maxBuffered) {
      queue.fail(
        new HarmonyError(
          'SERVICE_UNAVAILABLE',
          `The subscriber read too slowly (${maxBuffered} changes waiting): subscribe again ` +
            `with after: "${lastDelivered ?? '0'}" to resume where it stopped`,
          { retryAfterSeconds: 0, resumeAfter: lastDelivered ?? '0' },
        ),
      );
      return;
    }
    lastDelivered = change.seq;
    queue.push(change);
  };

  const stopFollowing = tail.follow((change) => {
    if (!live || closed || BigInt(change.seq) <= cursor) return;
    deliver(change);
  });

  const catchUp = async () => {
    for (;;) {
      if (closed) return;
      if (queue.buffered >= maxBuffered / 2) {
        await new Promise<void>((resolve) => (room = resolve));
        room = null;
        continue;
      }
      const headBefore = tail.head;
      const changes = await readChanges(dataSource, {
        after: cursor.toString(),
        first: CATCH_UP_PAGE,
        topic: filter.topic,
        subject: filter.subject,
        accountId: filter.accountId,
      });
      for (const change of changes) deliver(change);
      if (changes.length === CATCH_UP_PAGE) continue;
      // Everything up to headBefore was committed before this read, so it was all seen. Only
      // when the tail has not moved meanwhile can the switch to it leave no gap.
      if (tail.head === headBefore) {
        if (cursor < headBefore) cursor = headBefore;
        live = true;
        return;
      }
    }
  };

  if (options.after === null) live = true;
  else
    catchUp().catch((error) =>
      queue.fail(error instanceof Error ? error : new Error(String(error))),
    );
  return queue;
}

function matches(change: RecordedChange, filter: FeedFilter): boolean {
  return (
    change.topic === filter.topic &&
    (filter.subject == null || change.subject === filter.subject) &&
    (filter.accountId == null || change.accountId === filter.accountId)
  );
}
