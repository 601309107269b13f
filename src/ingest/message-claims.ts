import type { IngestMessage } from './ingest-message';
import { sqlLiteral, type Sql } from './sql';

const UNIQUE_VIOLATION = '23505';

/**
 * Claims the messages' ids in the global dedup table, in the caller's transaction, and returns
 * the messages whose ids were not stored before: a retry (even one with a different sentAt) is
 * dropped here, atomically with the events it would have stored.
 *
 * Almost every batch is all new, so the first try is a plain INSERT: one index descent per id,
 * where `ON CONFLICT` costs a second one per id and `RETURNING` sends every id back. Only when
 * an id is already there does that INSERT fail; the savepoint taken just before undoes it, and
 * the exact `ON CONFLICT DO NOTHING ... RETURNING` claim runs instead. Ids are inserted in byte
 * order, so two batches claiming the same ids wait for each other instead of deadlocking.
 */
export async function claimMessageIds(
  sql: Sql,
  messages: IngestMessage[],
): Promise<IngestMessage[]> {
  // received_at is left to its default, the time of the insert: nothing to send or parse.
  const ids = `SELECT id FROM unnest(${sqlLiteral(messages.map((m) => m.messageId))}::text[]) AS id
     ORDER BY id COLLATE "C"`;
  try {
    // One message: the savepoint costs no round trip of its own.
    await sql(`SAVEPOINT claim; INSERT INTO event_message_ids (message_id) ${ids}`);
    return messages;
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
  }
  await sql('ROLLBACK TO SAVEPOINT claim');
  const claimed = await sql<{ message_id: string }>(
    `INSERT INTO event_message_ids (message_id) ${ids}
     ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
  );
  const fresh = new Set(claimed.map((row) => row.message_id));
  return messages.filter((m) => fresh.has(m.messageId));
}
