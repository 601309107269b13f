import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';
import type { Services } from '../../context/services';
import { hasScope } from '../../domain/api-key/api-key.service';
import { HarmonyError } from '../../shared/errors';
import { bearerKey, sendError } from '../auth';

/**
 * `GET /metrics` (Prometheus text format). Open with HARMONY_METRICS_PUBLIC=true; otherwise it
 * needs `Authorization: Bearer` with HARMONY_METRICS_TOKEN (checked without the database, so a
 * scraper sees an outage) or an admin-scope API key.
 */
export function metricsEndpoint(registry: Registry, services: Services) {
  return async (request: Request, response: Response) => {
    const { metricsPublic, metricsToken } = services.config;
    if (!metricsPublic) {
      try {
        await authorise(bearerKey(request), metricsToken, services);
      } catch (error) {
        if (error instanceof HarmonyError) return sendError(response, error);
        throw error;
      }
    }
    response.setHeader('Content-Type', registry.contentType);
    response.send(await registry.metrics());
  };
}

/** HARMONY_METRICS_TOKEN (no database needed) or an admin-scope API key. */
async function authorise(
  key: string | undefined,
  metricsToken: string | undefined,
  services: Services,
): Promise<void> {
  if (!key) {
    throw new HarmonyError(
      'UNAUTHENTICATED',
      'GET /metrics needs "Authorization: Bearer <HARMONY_METRICS_TOKEN or an admin API key>"',
    );
  }
  if (metricsToken && sameSecret(key, metricsToken)) return;
  const principal = await services.apiKeys.authenticate(key);
  if (!principal) throw new HarmonyError('UNAUTHENTICATED', 'Unknown or revoked API key');
  if (!hasScope(principal, 'admin')) {
    throw new HarmonyError(
      'FORBIDDEN',
      `The API key "${principal.name}" lacks the admin scope needed to read /metrics`,
    );
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
