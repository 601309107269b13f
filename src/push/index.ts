export { PushService } from './push.service';
export { DestinationResolver } from './destination.resolver';
export { EventSubscriptions } from './event-subscriptions';
export { enqueueChange, enqueueChanges, type PushChange, type Queryable } from './outbox';
export { migrateJobQueue } from './job-queue-schema';
export type { PushOptions } from './push-options';
