import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../../context/request-context';
import { selectsAnyField } from '../../domain/shared/selection';
import { DefineMetricInput, MetricQueryArgs } from './metric.inputs';
import { toDefinitionType, toMetricResult } from './metric.mapping';
import { MetricDefinitionType, MetricDefinitionVersion, MetricResult } from './metric.types';

/** Thin resolvers over MetricsService: metric queries, definitions and their versions. */
@Resolver(() => MetricResult)
export class MetricResolver {
  @Authorized('read')
  @Query(() => MetricResult, {
    description: 'One metric over a window, optionally by grain, grouped, filtered and compared.',
  })
  async metric(
    @Arg('name') name: string,
    @Args() args: MetricQueryArgs,
    @Ctx() { services }: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const answer = await services.metrics.query(name, args, args.compare);
    return toMetricResult(selectsTargets(info) ? await services.targets.attach(answer) : answer);
  }

  @Authorized('read')
  @Query(() => [MetricResult], { description: 'Several metrics over the same window.' })
  async metrics(
    @Arg('names', () => [String]) names: string[],
    @Args() args: MetricQueryArgs,
    @Ctx() { services }: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    services.metrics.assertNameCount(names);
    const withTargets = selectsTargets(info);
    const answers = await Promise.all(
      names.map(async (name) => {
        const answer = await services.metrics.query(name, args, args.compare);
        return withTargets ? services.targets.attach(answer) : answer;
      }),
    );
    return answers.map(toMetricResult);
  }

  @Authorized('admin')
  @FieldResolver(() => [String], {
    description: 'Admin only: the SQL statements (with their bind parameters) that ran.',
  })
  sql(@Root() result: MetricResult) {
    return result.statements;
  }

  @Authorized('read')
  @Query(() => [MetricDefinitionType], { description: 'Every declared metric, current version.' })
  async metricDefinitions(@Ctx() { services }: RequestContext) {
    return (await services.metrics.definitions()).map(toDefinitionType);
  }

  @Authorized('read')
  @Query(() => MetricDefinitionType, { description: 'One metric definition with its history.' })
  async metricDefinition(@Arg('name') name: string, @Ctx() { services }: RequestContext) {
    return toDefinitionType(await services.metrics.definition(name));
  }

  @Authorized('admin')
  @Mutation(() => MetricDefinitionType, {
    description:
      'Creates or changes a metric; a change makes a new version recording who, when and why.',
  })
  async defineMetric(
    @Arg('input') input: DefineMetricInput,
    @Arg('reason') reason: string,
    @Ctx() { services, principal }: RequestContext,
  ) {
    return toDefinitionType(await services.metrics.define(input, reason, principal.name));
  }
}

@Resolver(() => MetricDefinitionType)
export class MetricDefinitionResolver {
  @FieldResolver(() => [MetricDefinitionVersion], { description: 'Every version, oldest first.' })
  versions(@Root() definition: MetricDefinitionType, @Ctx() { services }: RequestContext) {
    return services.metrics.versions(definition.name);
  }
}

/** Targets cost a statement: read them only when the query asks for plan against actual. */
function selectsTargets(info: GraphQLResolveInfo): boolean {
  return selectsAnyField(info, ['target', 'attainment', 'totalTarget', 'totalAttainment']);
}
