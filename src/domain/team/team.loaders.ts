import type { DataSource } from 'typeorm';
import {
  linkedEntitiesPerParent,
  loaderPerArguments,
  manyPerKeyLoader,
} from '../../db/loader-helpers';
import { User } from '../user/user.entity';

export function createTeamLoaders(dataSource: DataSource) {
  return {
    /** Live members of each team, the first `first` by user id. */
    usersByTeamId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<{ parentId: string; entity: User }>(
        (teamIds) => membersOfTeams(dataSource, teamIds, first),
        (row) => row.parentId,
      ),
    ),
  };
}

/** (team, user) pairs from team_members, then the users by id. */
async function membersOfTeams(
  dataSource: DataSource,
  teamIds: readonly string[],
  first: number,
): Promise<Array<{ parentId: string; entity: User }>> {
  return linkedEntitiesPerParent(
    dataSource,
    User,
    `SELECT ranked.team_id::text AS parent_id, ranked.user_id::text AS child_id
     FROM (
       SELECT tm.team_id, tm.user_id,
         row_number() OVER (PARTITION BY tm.team_id ORDER BY tm.user_id) AS n
       FROM team_members tm
       JOIN users u ON u.id = tm.user_id AND u.deleted_at IS NULL
       WHERE tm.team_id = ANY($1::bigint[])
     ) ranked
     WHERE ranked.n <= $2
     ORDER BY ranked.team_id, ranked.user_id`,
    [teamIds, first],
  );
}
