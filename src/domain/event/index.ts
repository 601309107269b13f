export { EventDefinition, EventDefinitionChange } from './event-definition.entity';
export { EventDefinitionService } from './event-definition.service';
export { EventDefinitionResolver } from './event-definition.resolver';
export { AccountEventCountsResolver, EventCount } from './account-event-counts.resolver';
export { createEventLoaders } from './event.loaders';
export {
  AccountEvent,
  AccountEventResolver,
  AccountRecentEventsResolver,
} from './account-recent-events.resolver';
export { createRecentEventLoaders } from './recent-events.loader';
