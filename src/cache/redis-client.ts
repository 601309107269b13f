import { createClient } from 'redis';
import type { Logger } from '../shared/logger';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * Connects to Redis without making it a hard dependency: Harmony keeps answering from
 * PostgreSQL while Redis is down, and the client reconnects in the background.
 */
export async function connectRedis(url: string, logger: Logger): Promise<RedisClient> {
  const client = createClient({
    url,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries) => Math.min(100 + retries * 200, 5000),
    },
    disableOfflineQueue: true,
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn({ err: error }, 'redis unavailable');
    lastError = error.message;
  });
  client.on('ready', () => {
    lastError = '';
    logger.info('redis connected');
  });
  // connect() keeps retrying while Redis is down; wait a little for it, never block the start.
  const connected = client.connect().then(
    () => true,
    (error) => {
      logger.warn({ err: error }, 'redis not reachable at start');
      return false;
    },
  );
  const timedOut = new Promise<boolean>((resolve) => setTimeout(resolve, 2000, false).unref());
  if (!(await Promise.race([connected, timedOut]))) {
    logger.warn('redis not reachable yet: answering from PostgreSQL meanwhile');
  }
  return client;
}

/** 'up', 'down', or 'disabled' when no REDIS_URL is configured. */
export async function redisStatus(
  client: RedisClient | undefined,
): Promise<'up' | 'down' | 'disabled'> {
  if (!client) return 'disabled';
  if (!client.isReady) return 'down';
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000)),
    ]);
    return 'up';
  } catch {
    return 'down';
  }
}
