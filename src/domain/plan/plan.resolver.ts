import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  Mutation,
  Query,
  Resolver,
} from 'type-graphql';
import type { RequestContext } from '../../server/graphql/context';
import { ConnectionType, PageArgs } from '../shared/connection';
import { Plan } from './plan.entity';
import { UpsertPlanInput } from './plan.inputs';

export const PlanConnection = ConnectionType(Plan, 'Plan');

@ArgsType()
class PlansArgs extends PageArgs {
  @Field(() => Boolean, { defaultValue: false })
  includeDeleted: boolean;
}

@Resolver(() => Plan)
export class PlanResolver {
  @Authorized('read')
  @Query(() => PlanConnection, { description: 'The plan lookup table.' })
  plans(@Args() args: PlansArgs, @Ctx() { services }: RequestContext) {
    return services.plans.list(args);
  }

  @Authorized('sync')
  @Mutation(() => Plan, { description: 'Creates or updates a plan keyed by code.' })
  async upsertPlan(@Arg('input') input: UpsertPlanInput, @Ctx() { services }: RequestContext) {
    const [plan] = await services.plans.upsertMany([input]);
    return plan;
  }

  @Authorized('sync')
  @Mutation(() => [Plan], { description: 'Upserts up to 1,000 plans in one transaction.' })
  upsertPlans(
    @Arg('inputs', () => [UpsertPlanInput]) inputs: UpsertPlanInput[],
    @Ctx() { services }: RequestContext,
  ) {
    return services.plans.upsertMany(inputs);
  }
}
