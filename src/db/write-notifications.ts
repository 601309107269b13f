import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../shared/logger';
import { DATA_FAMILIES, type DataFamily, type WriteObserver } from '../shared/write-observer';
import { listenForNotifications, type NotificationListener } from './notification-listener';

/**
 * Writes made by another process that has no cache of its own (`npm run seed`, a reset) are
 * announced on this channel after their commit; every server hears them and bumps its cache
 * generations. (PostgreSQL delivers a NOTIFY only when its transaction commits.)
 */
export const DATA_WRITES_CHANNEL = 'harmony_data_writes';

/** Announces committed writes to every listening server. */
export async function notifyCommittedWrites(
  db: DataSource | EntityManager,
  families: readonly DataFamily[] = DATA_FAMILIES,
): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [DATA_WRITES_CHANNEL, families.join(',')]);
}

/**
 * Tells `observer` of the writes other processes announce. After the listening connection was
 * lost and comes back, every family is treated as written: announcements may have been missed.
 */
export function listenForCommittedWrites(
  dataSource: DataSource,
  logger: Logger,
  observer: WriteObserver,
): Promise<NotificationListener> {
  let missedSome = false;
  return listenForNotifications({
    dataSource,
    channel: DATA_WRITES_CHANNEL,
    logger,
    onNotification: (payload) => {
      const named = payload
        .split(',')
        .filter((f): f is DataFamily => (DATA_FAMILIES as readonly string[]).includes(f));
      observer.committed(named.length ? named : DATA_FAMILIES);
    },
    onListeningChange: (listening) => {
      if (!listening) missedSome = true;
      else if (missedSome) {
        missedSome = false;
        observer.committed(DATA_FAMILIES);
      }
    },
  });
}
