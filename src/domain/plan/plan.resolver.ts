import { Args, ArgsType, Authorized, Ctx, Field, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import { UpsertMutations } from '../shared/upsert-mutations';
import { ConnectionType, PageArgs } from '../shared/connection';
import { Plan } from './plan.entity';
import { UpsertPlanInput } from './plan.inputs';

export const PlanConnection = ConnectionType(Plan, 'Plan');

@ArgsType()
class PlansArgs extends PageArgs {
  @Field(() => Boolean, { description: 'Include soft-deleted plans.', defaultValue: false })
  includeDeleted: boolean;
}

@Resolver(() => Plan)
export class PlanResolver extends UpsertMutations({
  node: Plan,
  input: UpsertPlanInput,
  name: 'Plan',
  pluralName: 'Plans',
  description: 'Creates or updates a plan keyed by code.',
  serviceOf: (services) => services.plans,
}) {
  @Authorized('read')
  @Query(() => PlanConnection, { description: 'The plan lookup table.' })
  plans(@Args() args: PlansArgs, @Ctx() { services }: RequestContext) {
    return services.plans.list(args);
  }
}
