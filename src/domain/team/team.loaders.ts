import { In, type DataSource } from 'typeorm';
import { manyPerKeyLoader } from '../../db/loader-helpers';
import { User } from '../user/user.entity';

export function createTeamLoaders(dataSource: DataSource) {
  return {
    /** Live members of each team. */
    usersByTeamId: manyPerKeyLoader<{ teamId: string; user: User }>(
      async (teamIds) => {
        const links: Array<{ team_id: string; user_id: string }> = await dataSource.query(
          'SELECT team_id, user_id FROM team_members WHERE team_id = ANY($1) ORDER BY team_id, user_id',
          [teamIds],
        );
        if (links.length === 0) return [];
        const users = await dataSource
          .getRepository(User)
          .findBy({ id: In([...new Set(links.map((link) => link.user_id))]) });
        const userById = new Map(users.map((user) => [user.id, user]));
        return links
          .filter((link) => userById.has(link.user_id))
          .map((link) => ({ teamId: String(link.team_id), user: userById.get(link.user_id)! }));
      },
      (row) => row.teamId,
    ),
  };
}
