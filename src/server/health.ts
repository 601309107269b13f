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
    const status =
      database === 'down' ? 'down' : redis === 'down' || database === 'busy' ? 'degraded' : 'ok';
    response.status(status === 'down' ? 503 : 200).json({
      status,
      database,
      redis,
      // No answer is cached yet (issue 12 builds the metric cache); say so rather than imply one.
      cache: 'none',
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
