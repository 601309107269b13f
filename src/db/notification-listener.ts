import { Client, type ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { Logger } from '../shared/logger';

export type NotificationListenerOptions = {
  /** The database to listen on: the same one the data source talks to. */
  dataSource: DataSource;
  channel: string;
  logger: Logger;
  onNotification(payload: string): void;
  /** Called when LISTEN starts working and whenever it stops: notifications may have been missed. */
  onListeningChange(listening: boolean): void;
  /** First retry after a failure; doubles up to 30 s. Default 500 ms. */
  retryDelayMs?: number;
  /** The connection's application_name in pg_stat_activity. Default `harmony-listener`. */
  applicationName?: string;
};

export type NotificationListener = {
  readonly listening: boolean;
  /** Closes the connection and stops retrying. */
  close(): Promise<void>;
};

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * LISTENs on one channel over a dedicated connection (outside the pool: a pooled connection
 * would be handed to queries), reconnecting with backoff when it drops. Resolves after the first
 * attempt, whether or not it succeeded, so a start is never held up by it.
 */
export async function listenForNotifications(
  options: NotificationListenerOptions,
): Promise<NotificationListener> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel))
    throw new Error(`channel must be a plain identifier, got "${options.channel}"`);
  const baseDelay = options.retryDelayMs ?? 500;
  let client: Client | undefined;
  let listening = false;
  let closed = false;
  let delay = baseDelay;
  let retry: NodeJS.Timeout | undefined;

  const lost = (lostClient: Client, error?: Error) => {
    if (client !== lostClient) return;
    client = undefined;
    void lostClient.end().catch(() => undefined);
    if (listening) {
      listening = false;
      options.onListeningChange(false);
    }
    if (closed) return;
    options.logger.warn(
      { err: error, channel: options.channel, retryInMs: delay },
      'not listening for database notifications; retrying',
    );
    retry = setTimeout(() => void connect(), delay);
    retry.unref();
    delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
  };

  const connect = async () => {
    if (closed) return;
    const attempt = new Client({
      ...clientConfigOf(options.dataSource),
      application_name: options.applicationName ?? 'harmony-listener',
      keepAlive: true,
    });
    client = attempt;
    attempt.on('error', (error) => lost(attempt, error));
    attempt.on('end', () => lost(attempt));
    attempt.on('notification', (message) => {
      if (message.channel === options.channel) options.onNotification(message.payload ?? '');
    });
    try {
      await attempt.connect();
      await attempt.query(`LISTEN ${options.channel}`);
    } catch (error) {
      lost(attempt, error as Error);
      return;
    }
    if (client !== attempt) return;
    delay = baseDelay;
    listening = true;
    options.onListeningChange(true);
  };

  await connect();
  return {
    get listening() {
      return listening;
    },
    close: async () => {
      closed = true;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      if (listening) {
        listening = false;
        options.onListeningChange(false);
      }
      await last?.end().catch(() => undefined);
    },
  };
}

/** The connection settings of the data source, for a client of our own. */
function clientConfigOf(dataSource: DataSource): ClientConfig {
  const settings = dataSource.options as PostgresConnectionOptions;
  return {
    connectionString: settings.url,
    host: settings.host,
    port: settings.port,
    user: settings.username,
    password: typeof settings.password === 'string' ? settings.password : undefined,
    database: settings.database,
    ssl: settings.ssl as ClientConfig['ssl'],
    application_name: 'harmony-listener',
    connectionTimeoutMillis: 10_000,
  };
}
