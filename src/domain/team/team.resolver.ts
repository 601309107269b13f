import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../server/graphql/context';
import { Account } from '../account/account.entity';
import { ConnectionType } from '../shared/connection';
import { User } from '../user/user.entity';
import { Team } from './team.entity';
import { TeamsArgs, UpsertTeamInput } from './team.inputs';

export const TeamConnection = ConnectionType(Team, 'Team');

@Resolver(() => Team)
export class TeamResolver {
  @Authorized('read')
  @Query(() => TeamConnection, { description: 'Teams in a stable order (oldest first).' })
  teams(@Args() args: TeamsArgs, @Ctx() { services }: RequestContext) {
    return services.teams.list(args);
  }

  @Authorized('sync')
  @Mutation(() => Team, { description: 'Creates or updates a team keyed by externalId.' })
  async upsertTeam(@Arg('input') input: UpsertTeamInput, @Ctx() { services }: RequestContext) {
    const [team] = await services.teams.upsertMany([input]);
    return team;
  }

  @Authorized('sync')
  @Mutation(() => [Team], { description: 'Upserts up to 1,000 teams in one transaction.' })
  upsertTeams(
    @Arg('inputs', () => [UpsertTeamInput]) inputs: UpsertTeamInput[],
    @Ctx() { services }: RequestContext,
  ) {
    return services.teams.upsertMany(inputs);
  }

  @Authorized('sync')
  @Mutation(() => Team, { description: 'Soft-deletes a team.' })
  deleteTeam(@Arg('externalId') externalId: string, @Ctx() { services }: RequestContext) {
    return services.teams.softDelete(externalId);
  }

  @FieldResolver(() => Account, { nullable: true })
  account(@Root() team: Team, @Ctx() { loaders }: RequestContext) {
    return loaders.accountById.load(team.accountId);
  }

  @FieldResolver(() => [User])
  async members(@Root() team: Team, @Ctx() { loaders }: RequestContext) {
    return (await loaders.usersByTeamId.load(team.id)).map((row) => row.user);
  }
}
