import { enqueueFrom, WITHOUT_JIT, type Queryable } from './outbox';

/**
 * Pushes for the change-feed rows numbered `(afterSeq, upToSeq]`, enqueued in the sequencer's
 * transaction (src/signals/change-feed.ts): a row is pushed exactly when it gets its number.
 * Account-view rows give one change per field; segment rows `segment.entered` / `.exited`;
 * threshold rows `threshold.crossed`. The idempotency key is the account, the field or
 * signal, and the change sequence: `account:<id>:<field>:<seq>`.
 */
export async function enqueueChangeFeedPushes(
  tx: Queryable,
  afterSeq: string,
  upToSeq: string,
): Promise<void> {
  // JIT compiling the subscription match would cost ~1 s on every sequencer run, all of it under
  // the sequencer lock: every change would be numbered (and read by every consumer) a second
  // late. The sequencer transaction runs only small statements.
  await tx.query(WITHOUT_JIT);
  await tx.query(
    enqueueFrom(`
      SELECT f.seq AS ord,
        CASE f.topic WHEN 'account_view' THEN 'ACCOUNT_VIEW'
          WHEN 'segment_membership' THEN 'SEGMENT' ELSE 'THRESHOLD' END AS kind,
        CASE f.topic WHEN 'account_view' THEN k.key ELSE f.subject END AS subject,
        NULL::text AS event_key,
        CASE f.topic
          WHEN 'segment_membership' THEN
            CASE WHEN (k.value->>'new')::boolean THEN 'segment.entered' ELSE 'segment.exited' END
          WHEN 'threshold' THEN 'threshold.crossed'
          ELSE 'account_view.changed' END AS type,
        'account:' || f.account_id || ':' || w.what || ':' || f.seq AS idempotency_key,
        f.account_id,
        f.account_id || ':' || w.what AS collapse_key,
        k.value->'old' AS old_value,
        k.value->'new' AS new_value,
        jsonb_build_object('seq', f.seq::text, 'topic', f.topic, 'subject', f.subject,
          'field', k.key, 'cause', f.cause, 'accountId', f.account_id::text) AS data
      FROM change_feed f
      CROSS JOIN LATERAL jsonb_each(f.changes) k
      CROSS JOIN LATERAL (SELECT CASE f.topic WHEN 'account_view' THEN k.key
        ELSE f.topic || ':' || f.subject END AS what) w
      WHERE f.seq > ${BigInt(afterSeq)} AND f.seq <= ${BigInt(upToSeq)}
        AND f.topic IN ('account_view', 'segment_membership', 'threshold')
        AND f.account_id IS NOT NULL
      ORDER BY f.seq, k.key`),
  );
}
