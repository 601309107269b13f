import { DEFAULT_PUSH_OPTIONS, type PushOptions } from '../../../src/push/push-options';
import { startTestServer, type TestServer } from '../../support/test-server';

/** Push options for tests: the worker on, every wait shrunk to a fraction of a second. */
export function fastPushOptions(overrides: Partial<PushOptions> = {}): PushOptions {
  return {
    ...DEFAULT_PUSH_OPTIONS,
    worker: true,
    pollIntervalMs: 100,
    retryScheduleMs: [0, 200, 400, 600, 800],
    requestTimeoutMs: 2_000,
    deadWorkerSweepMs: 300,
    tierPeriodsMs: { REALTIME: 0, NEAR_REALTIME: 1_500, HOURLY: 3_000, DAILY: 6_000 },
    ...overrides,
  };
}

export function startPushServer(overrides: Partial<PushOptions> = {}): Promise<TestServer> {
  return startTestServer({ push: fastPushOptions(overrides) });
}

export const UPSERT_DESTINATION = `mutation ($input: UpsertDestinationInput!) {
  upsertDestination(input: $input) {
    secret
    destination { id name kind url tier enabled disabledReason rateLimit { requests seconds }
      subscriptions { kind event eventDefinitionId segment threshold fields } }
  }
}`;

/** Creates a destination and returns its id and (generated) secret. */
export async function createDestination(
  server: TestServer,
  input: Record<string, unknown>,
): Promise<{ id: string; secret: string }> {
  const data = await server.query(UPSERT_DESTINATION, { input });
  return { id: data.upsertDestination.destination.id, secret: data.upsertDestination.secret };
}

/** Sends track calls through the Segment-compatible API (one batch). */
export async function track(
  server: TestServer,
  events: Array<{
    messageId: string;
    event: string;
    userId?: string;
    groupId?: string;
    properties?: object;
  }>,
): Promise<void> {
  const response = await fetch(`${server.baseUrl}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.keys.ingest}:`).toString('base64')}`,
    },
    body: JSON.stringify({
      batch: events.map((e) => ({
        type: 'track',
        messageId: e.messageId,
        event: e.event,
        userId: e.userId ?? 'u-1',
        properties: e.properties ?? {},
        context: e.groupId ? { groupId: e.groupId } : {},
        timestamp: '2026-01-05T10:00:00.000Z',
      })),
    }),
  });
  if (response.status !== 200)
    throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
}

export const DELIVERIES = `query ($destination: ID, $status: DeliveryStatus, $first: Int) {
  deliveries(destination: $destination, status: $status, first: $first) {
    edges { node { id webhookId idempotencyKey type status changeCount payload lastError latencyMs
      attempts { statusCode error } } }
  }
}`;
