import { In, type DataSource } from 'typeorm';
import { loaderPerArguments, manyPerKeyLoader } from '../../db/loader-helpers';
import { User } from '../user/user.entity';

export function createTeamLoaders(dataSource: DataSource) {
  return {
    /** Live members of each team, the first `first` by user id. */
    usersByTeamId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<{ teamId: string; user: User }>(
        (teamIds) => membersOfTeams(dataSource, teamIds, first),
        (row) => row.teamId,
      ),
    ),
  };
}

/** (team, user) pairs from team_members, then the users by id. */
async function membersOfTeams(
  dataSource: DataSource,
  teamIds: readonly string[],
  first: number,
): Promise<Array<{ teamId: string; user: User }>> {
  const links: Array<{ team_id: string; user_id: string }> = await dataSource.query(
    `SELECT ranked.team_id::text AS team_id, ranked.user_id::text AS user_id
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
  if (links.length === 0) return [];
  const users = await dataSource
    .getRepository(User)
    .findBy({ id: In([...new Set(links.map((link) => link.user_id))]) });
  const userById = new Map(users.map((user) => [user.id, user]));
  return links
    .filter((link) => userById.has(link.user_id))
    .map((link) => ({ teamId: link.team_id, user: userById.get(link.user_id)! }));
}
