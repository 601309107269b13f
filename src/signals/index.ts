/** Account views, segments and the change feed, as the rest of Harmony uses them. */
export * from './change-feed';
export { SignalsService, type SignalsServiceOptions } from './signals.service';
export { SignalsPump, type SignalsPumpOptions } from './signals-pump';
export { ViewRefresher, type ViewScoreProvider } from './account-views/view-refresher';
export { createSignalsLoaders } from './graphql/signals.loaders';
export {
  AccountViewResolver,
  AccountViewChangeResolver,
  SegmentMembershipChangeResolver,
  SegmentResolver,
  AccountSegmentsResolver,
} from './graphql/signals.resolver';
