import type { DataSource } from 'typeorm';
import { listenForNotifications, type NotificationListener } from '../db/notification-listener';
import type { Logger } from '../shared/logger';

/** The channel the input triggers notify (migration 1764000009500). */
export const LIVE_INPUTS_CHANNEL = 'harmony_live';

/** The families of metric inputs a committed write may change. */
export const INPUT_FAMILIES = ['billing', 'entities', 'events', 'definitions'] as const;
export type InputFamily = (typeof INPUT_FAMILIES)[number];

/**
 * The durable wake-up: every process LISTENs for committed writes to metric inputs, whoever made
 * them, so a change is noticed even while Redis is down. When listening resumes after a break,
 * notifications may have been missed: `onResumed` handlers recompute once.
 */
export class InputWakeups {
  private listener?: NotificationListener;
  private readonly handlers = new Set<(family: InputFamily) => void>();
  private readonly resumedHandlers: Array<() => void> = [];
  private everListened = false;

  constructor(private readonly dataSource: DataSource) {}

  async start(logger: Logger): Promise<void> {
    if (this.listener) return;
    this.listener = await listenForNotifications({
      dataSource: this.dataSource,
      channel: LIVE_INPUTS_CHANNEL,
      applicationName: 'harmony-live-inputs-listener',
      logger,
      onNotification: (payload) => {
        const family = INPUT_FAMILIES.find((known) => known === payload);
        if (!family) return;
        for (const handler of [...this.handlers]) handler(family);
      },
      onListeningChange: (listening) => {
        if (!listening) return;
        if (this.everListened) for (const handler of this.resumedHandlers) handler();
        this.everListened = true;
      },
    });
  }

  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  /** Calls `handler` with the family of every committed input write; returns the remover. */
  onChange(handler: (family: InputFamily) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onResumed(handler: () => void): void {
    this.resumedHandlers.push(handler);
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }
}
