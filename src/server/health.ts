import type { Request, Response } from 'express';
import { redisStatus } from '../cache/redis-client';
import { isAcquireTimeout } from '../db/unavailable';
import type { Services } from './services';

/** `busy`: PostgreSQL is up but no pool connection came free within the acquire timeout. */
async function databaseStatus(services: Services): Promise<'up' | 'busy' | 'down'> {
  try {
    await services.dataSource.query('SELECT 1');
    return 'up';
  } catch (error) {
    return isAcquireTimeout(error) ? 'busy' : 'down';
  }
}

/** `GET /health`: the process answers; says whether PostgreSQL and Redis do. */
export function healthHandler(services: Services) {
  return async (_request: Request, response: Response) => {
    const [database, redis] = await Promise.all([
      databaseStatus(services),
      redisStatus(services.redis),
    ]);
    const cache = services.cache.status();
    const status =
      database === 'down'
        ? 'down'
        : redis === 'down' || cache === 'degraded' || database === 'busy'
          ? 'degraded'
          : 'ok';
    response.status(status === 'down' ? 503 : 200).json({
      status,
      database,
      redis,
      // `redis`, `memory` (no REDIS_URL), or `degraded` (Redis configured but bypassed for now).
      cache,
      uptimeSeconds: Math.round(process.uptime()),
    });
  };
}

/** `GET /ready`: 200 only when the database answers, so a load balancer can route to us. */
export function readyHandler(services: Services, isShuttingDown: () => boolean) {
  return async (_request: Request, response: Response) => {
    const ready = !isShuttingDown() && (await databaseStatus(services)) === 'up';
    response.status(ready ? 200 : 503).json({ ready });
  };
}
