import type { DataSource } from 'typeorm';
import type { RateLimit } from './destination-kinds';
import { returnedRows } from './returned-rows';

/**
 * Spacing added to each slot so that network jitter (a request arriving a little late and the
 * next one on time) never puts one request too many in the receiver's window.
 */
const SAFETY_MS = 20;

/**
 * Reserves the destination's next request slot in PostgreSQL and returns when it starts:
 * slots are `seconds / requests` apart, so no window of `seconds` holds more than `requests`,
 * across every worker process (the row is the one shared clock). The caller waits until then.
 */
export async function reserveRequestSlot(
  dataSource: DataSource,
  destinationId: string,
  limit: RateLimit,
): Promise<Date> {
  const spacingMs = spacingOf(limit);
  const [row] = returnedRows<{ slot: Date }>(
    await dataSource.query(
      `UPDATE push_destinations
       SET next_slot_at = greatest(next_slot_at, clock_timestamp()) + make_interval(secs => $2::float / 1000)
     WHERE id = $1
     RETURNING next_slot_at - make_interval(secs => $2::float / 1000) AS slot`,
      [destinationId, spacingMs],
    ),
  );
  return row ? new Date(row.slot) : new Date();
}

/**
 * Called as a request leaves: the next slot is at least one spacing after this moment, so a
 * request that left late (a busy event loop, a slow connect) does not squeeze the next ones.
 */
export async function markRequestSent(
  dataSource: DataSource,
  destinationId: string,
  limit: RateLimit,
): Promise<void> {
  await dataSource.query(
    `UPDATE push_destinations
       SET next_slot_at = greatest(next_slot_at, clock_timestamp() + make_interval(secs => $2::float / 1000))
     WHERE id = $1`,
    [destinationId, spacingOf(limit)],
  );
}

function spacingOf(limit: RateLimit): number {
  return (limit.seconds * 1000) / limit.requests + SAFETY_MS;
}
