/** Live updates for GraphQL subscriptions, as the rest of Harmony uses them. */
export { LiveService, type LiveServiceOptions } from './live.service';
export { MetricChangedResolver } from './metric-changed.resolver';
export { ChangeFeedSubscriptionResolver } from './change-feed.resolver';
export type { MetricChange } from './metric-watch';
export type { LiveTiming } from './live-timing';
