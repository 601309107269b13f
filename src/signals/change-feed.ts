/**
 * The change feed: one sequence of every recorded change (account views, segment entries and
 * exits, threshold crossings), read by cursor. A reader that stores its last cursor never
 * misses nor repeats a change, whatever order writers commit in.
 *
 * How another module records a change (signals: threshold crossings):
 *   inside its own transaction, `await recordChanges(manager, [{ topic: 'threshold',
 *   accountId, subject: thresholdName, cause: 'THRESHOLD', changes: { state: { old, new } } }])`
 *   (or a plain `INSERT INTO change_feed (topic, account_id, subject, cause, changes)`). The row
 *   is numbered after commit; nothing else to do.
 * How a module reads it (deliveries, live): `readChanges(db, { after, first, topic, subject })`
 *   from a stored cursor (a decimal bigint string; '0' = from the start), and LISTEN on
 *   `CHANGE_FEED_CHANNEL` ('harmony_change_feed', payload = the newest seq) to know when to read.
 *
 * Design (option b, "a serialised sequencer"): writers insert rows with `seq` NULL. A single
 * step, serialised by a transaction-scoped advisory lock, numbers every *committed* pending row
 * with max(seq)+1, +2, … and commits. Why that never skips: a row is visible to the sequencer
 * only once its writer committed, and a writer that commits later is numbered by a later
 * sequencer run, whose numbers are larger (the lock orders the runs; a run's snapshot is taken
 * after the previous run committed and released the lock, so it sees its max). A reader sees a
 * run's numbers all at once (one commit), so it can never see n+1 before n. A plain sequence
 * value taken inside the writing transaction would be wrong: two writers can commit in the
 * opposite order of their numbers, and a reader between the two commits would skip the smaller.
 * Numbers are dense, so a reader can even tell it missed nothing. Latency: recording notifies
 * `harmony_signals` at commit and the pump (signals-pump.ts) sequences within milliseconds.
 */

import { invalidInput } from '../shared/errors';
import { enqueueChangeFeedPushes } from '../push/change-feed-pushes';

/** Anything that runs SQL: a DataSource, an EntityManager, a QueryRunner. */
export type Queryable = { query(sql: string, parameters?: unknown[]): Promise<any> };

/** Notified (payload: newest seq) each time the sequencer numbered new changes. */
export const CHANGE_FEED_CHANNEL = 'harmony_change_feed';
/** Notified at the commit of any write the signals pump must look at. */
export const SIGNALS_WAKE_CHANNEL = 'harmony_signals';
/** The advisory lock that serialises the sequencer (and the whole signals pump). */
export const SEQUENCER_LOCK = 'harmony:change_feed';

/** Topics recorded today; other modules may add their own (a plain string). */
export type ChangeTopic = 'account_view' | 'segment_membership' | 'threshold' | (string & {});

/** What caused a change. */
export type ChangeCause =
  | 'CREATED'
  | 'UPSERT'
  | 'EVENTS'
  | 'SEGMENT'
  | 'THRESHOLD'
  | 'DAILY_SLIDE'
  | 'DEFINITION'
  | (string & {});

export type FieldChange = { old: unknown; new: unknown };

export type ChangeInput = {
  topic: ChangeTopic;
  accountId: string | null;
  /** What inside the topic: a segment or threshold name. */
  subject?: string | null;
  cause: ChangeCause;
  changes: Record<string, FieldChange>;
};

export type RecordedChange = ChangeInput & {
  /** The cursor: a decimal bigint, dense and commit-ordered. */
  seq: string;
  recordedAt: Date;
  sequencedAt: Date;
};

/** Records changes inside the caller's transaction; they are numbered after it commits. */
export async function recordChanges(db: Queryable, changes: readonly ChangeInput[]): Promise<void> {
  if (!changes.length) return;
  await db.query(
    `INSERT INTO change_feed (topic, account_id, subject, cause, changes)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[])`,
    [
      changes.map((c) => c.topic),
      changes.map((c) => c.accountId),
      changes.map((c) => c.subject ?? null),
      changes.map((c) => c.cause),
      changes.map((c) => JSON.stringify(c.changes)),
    ],
  );
}

/** Most rows one sequencer statement numbers; the step loops until none is pending. */
const SEQUENCE_BATCH = 10_000;

/**
 * Numbers committed pending rows. Must run inside a transaction holding SEQUENCER_LOCK (see
 * `withSequencerLock`). Returns the newest seq numbered, or null when nothing was pending.
 */
export async function sequencePending(tx: Queryable): Promise<string | null> {
  let newest: string | null = null;
  const [{ before }]: Array<{ before: string }> = await tx.query(
    `SELECT coalesce(max(seq), 0)::text AS before FROM change_feed`,
  );
  for (;;) {
    const [row]: Array<{ numbered: number; newest: string | null }> = await tx.query(
      `WITH base AS (SELECT coalesce(max(seq), 0) AS seq FROM change_feed),
       pending AS (
         SELECT id, row_number() OVER (ORDER BY id) AS n
         FROM (SELECT id FROM change_feed WHERE seq IS NULL ORDER BY id LIMIT ${SEQUENCE_BATCH}) p
       ),
       numbered AS (
         UPDATE change_feed c SET seq = base.seq + pending.n, sequenced_at = clock_timestamp()
         FROM pending, base WHERE c.id = pending.id
         RETURNING c.seq
       )
       SELECT count(*)::int AS numbered, max(seq)::text AS newest FROM numbered`,
    );
    if (row.newest) newest = row.newest;
    if (row.numbered < SEQUENCE_BATCH) break;
  }
  // Destinations subscribed to these changes get them in this same transaction (src/push).
  if (newest) await enqueueChangeFeedPushes(tx, before, newest);
  return newest;
}

/** Runs `work` in a transaction holding the sequencer lock (waits for another holder). */
export async function withSequencerLock<T>(
  dataSource: { transaction<R>(work: (manager: Queryable) => Promise<R>): Promise<R> },
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [SEQUENCER_LOCK]);
    return work(tx);
  });
}

/** Sequences every committed pending change now and announces it; returns the newest seq. */
export async function sequenceChanges(dataSource: {
  transaction<R>(work: (manager: Queryable) => Promise<R>): Promise<R>;
}): Promise<string | null> {
  return withSequencerLock(dataSource, async (tx) => {
    const newest = await sequencePending(tx);
    if (newest) await announce(tx, newest);
    return newest;
  });
}

/** Tells listeners (at commit) that changes up to `newest` can be read. */
export async function announce(tx: Queryable, newest: string): Promise<void> {
  await tx.query(`SELECT pg_notify($1, $2)`, [CHANGE_FEED_CHANNEL, newest]);
}

export type ReadChangesOptions = {
  /** Exclusive cursor: a seq returned earlier, or '0' / null for the start. */
  after?: string | null;
  first: number;
  topic?: ChangeTopic;
  subject?: string;
  accountId?: string;
};

/** Numbered changes after the cursor, oldest first. */
export async function readChanges(
  db: Queryable,
  options: ReadChangesOptions,
): Promise<RecordedChange[]> {
  const params: unknown[] = [options.after ?? '0', options.first];
  const conditions = ['seq > $1::bigint'];
  if (options.topic != null) {
    params.push(options.topic);
    conditions.push(`topic = $${params.length}`);
  }
  if (options.subject != null) {
    params.push(options.subject);
    conditions.push(`subject = $${params.length}`);
  }
  if (options.accountId != null) {
    params.push(options.accountId);
    conditions.push(`account_id = $${params.length}::bigint`);
  }
  const rows: Array<{
    seq: string;
    topic: string;
    account_id: string | null;
    subject: string | null;
    cause: string;
    changes: Record<string, FieldChange>;
    recorded_at: Date;
    sequenced_at: Date;
  }> = await db.query(
    `SELECT seq::text AS seq, topic, account_id::text AS account_id, subject, cause, changes,
            recorded_at, sequenced_at
     FROM change_feed WHERE seq IS NOT NULL AND ${conditions.join(' AND ')}
     ORDER BY change_feed.seq LIMIT $2`,
    params,
  );
  return rows.map((row) => ({
    seq: row.seq,
    topic: row.topic,
    accountId: row.account_id,
    subject: row.subject,
    cause: row.cause,
    changes: row.changes,
    recordedAt: row.recorded_at,
    sequencedAt: row.sequenced_at,
  }));
}

/** Validates a client's cursor: a decimal bigint (or empty for the start). */
export function parseCursor(cursor: string | null | undefined, field = 'after'): string {
  if (cursor == null || cursor === '') return '0';
  if (!/^\d{1,18}$/.test(cursor)) {
    throw invalidInput(field, `expected a change cursor (a decimal number), got "${cursor}"`);
  }
  return cursor;
}
