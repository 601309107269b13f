import type { DataSource } from 'typeorm';
import type { DestinationSubscription } from './destination.types';
import type { PushChange } from './outbox';

/** How long the subscribed-events list is trusted without a reload, in ms. */
const MAX_AGE_MS = 1_000;

type Subscribed = { definitionIds: Set<string>; keys: Set<string> };

/** One stored event, as ingestion knows it at commit. */
export type StoredEvent = {
  definitionId: string;
  event: string;
  messageId: string;
  accountId: string | null;
  userExternalId: string | null;
  anonymousId: string | null;
  occurredAt: Date;
  properties: Record<string, unknown>;
};

/**
 * Which event definitions some enabled destination subscribes to, cached so ingestion adds
 * nothing to a commit none of whose events is wanted (the usual case). Reloaded after a second,
 * and at once after a change made in this process; a destination created in another process is
 * seen within that second (docs/pushes.md).
 */
export class EventSubscriptions {
  private cached: { at: number; value: Subscribed } | null = null;
  private loading: Promise<Subscribed> | null = null;

  constructor(private readonly dataSource: DataSource) {}

  invalidate(): void {
    this.cached = null;
  }

  /** The push changes for the events some destination subscribes to (often none). */
  async changesFor(events: StoredEvent[]): Promise<PushChange[]> {
    return (await this.snapshot())(events);
  }

  /**
   * What is subscribed now, as a function from events to their pushes. Ingestion takes it before
   * a batch's transaction opens: reading it inside would ask the pool for a second connection
   * while holding one, which deadlocks a small pool under load.
   */
  async snapshot(): Promise<(events: StoredEvent[]) => PushChange[]> {
    const subscribed = await this.subscribed();
    if (subscribed.definitionIds.size === 0 && subscribed.keys.size === 0) return () => [];
    return (events) =>
      events
        .filter((e) => subscribed.definitionIds.has(e.definitionId) || subscribed.keys.has(e.event))
        .map(eventChange);
  }

  private async subscribed(): Promise<Subscribed> {
    if (this.cached && Date.now() - this.cached.at < MAX_AGE_MS) return this.cached.value;
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<Subscribed> {
    const at = Date.now();
    const rows: Array<{ subscriptions: DestinationSubscription[] }> = await this.dataSource.query(
      `SELECT subscriptions FROM push_destinations WHERE enabled`,
    );
    const value: Subscribed = { definitionIds: new Set(), keys: new Set() };
    for (const { subscriptions } of rows)
      for (const s of subscriptions) {
        if (s.kind !== 'EVENT') continue;
        if (s.eventDefinitionId) value.definitionIds.add(s.eventDefinitionId);
        if (s.event) value.keys.add(s.event);
      }
    this.cached = { at, value };
    return value;
  }
}

/** An event as a push: Standard Webhooks `data` with its ids and properties. */
export function eventChange(e: StoredEvent): PushChange {
  return {
    kind: 'EVENT',
    subject: e.definitionId,
    eventKey: e.event,
    type: 'event.tracked',
    idempotencyKey: `event:${e.messageId}`,
    accountId: e.accountId,
    data: {
      messageId: e.messageId,
      event: e.event,
      eventDefinitionId: e.definitionId,
      timestamp: e.occurredAt.toISOString(),
      accountExternalId: null,
      userExternalId: e.userExternalId,
      anonymousId: e.anonymousId,
      properties: e.properties,
    },
  };
}
