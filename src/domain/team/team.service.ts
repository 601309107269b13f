import type { DataSource } from 'typeorm';
import { idsByExternalId, loadInOrder } from '../../db/lookup';
import { invalidInput } from '../../shared/errors';
import { assertBatch, parseOrThrow } from '../../shared/validation';
import { paginateById, type Connection } from '../shared/connection';
import { softDeleteByExternalId } from '../shared/lookup';
import { Team } from './team.entity';
import { upsertTeamSchema, type TeamsArgs, type UpsertTeamInput } from './team.inputs';

export class TeamService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly maxPageSize: number,
  ) {}

  list(args: TeamsArgs): Promise<Connection<Team>> {
    const query = this.dataSource.getRepository(Team).createQueryBuilder('team');
    if (args.includeDeleted) query.withDeleted();
    if (args.accountExternalId) {
      query.andWhere(
        'team.account_id = (SELECT id FROM accounts WHERE external_id = :accountExternalId)',
        {
          accountExternalId: args.accountExternalId,
        },
      );
    }
    if (args.updatedSince)
      query.andWhere('team.updated_at >= :updatedSince', { updatedSince: args.updatedSince });
    return paginateById(query, args, this.maxPageSize);
  }

  /** Upserts up to 1,000 teams (and, when given, their member lists) in one transaction. */
  async upsertMany(inputs: UpsertTeamInput[], source = 'api'): Promise<Team[]> {
    assertBatch(inputs, (input) => input.externalId, 'externalId');
    const fieldOf = (index: number) => (inputs.length === 1 ? 'input' : `inputs[${index}]`);
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertTeamSchema, input, fieldOf(index)),
    );
    return this.dataSource.transaction(async (manager) => {
      const accountIds = await idsByExternalId(
        manager,
        'accounts',
        valid.map((input) => input.accountExternalId),
      );
      const memberIds = await idsByExternalId(
        manager,
        'users',
        valid.flatMap((input) => input.memberExternalIds ?? []),
      );
      const ids: string[] = [];
      for (const [index, input] of valid.entries()) {
        const accountId = accountIds.get(input.accountExternalId);
        if (!accountId) {
          throw invalidInput(
            `${fieldOf(index)}.accountExternalId`,
            `no account has externalId "${input.accountExternalId}"`,
          );
        }
        const [team]: Array<{ id: string }> = await manager.query(
          `INSERT INTO teams (external_id, account_id, name, source) VALUES ($1, $2, $3, $4)
           ON CONFLICT (external_id) DO UPDATE SET account_id = EXCLUDED.account_id, name = EXCLUDED.name, deleted_at = NULL
           RETURNING id`,
          [input.externalId, accountId, input.name, source],
        );
        ids.push(team.id);
        if (input.memberExternalIds) {
          const members = input.memberExternalIds.map((externalId, memberIndex) => {
            const userId = memberIds.get(externalId);
            if (!userId) {
              throw invalidInput(
                `${fieldOf(index)}.memberExternalIds[${memberIndex}]`,
                `no user has externalId "${externalId}"`,
              );
            }
            return userId;
          });
          await manager.query(
            'DELETE FROM team_members WHERE team_id = $1 AND NOT (user_id = ANY($2::bigint[]))',
            [team.id, members],
          );
          await manager.query(
            `INSERT INTO team_members (team_id, user_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
            [team.id, members],
          );
        }
      }
      return loadInOrder(manager, Team, ids);
    });
  }

  softDelete(externalId: string): Promise<Team> {
    return softDeleteByExternalId(this.dataSource.getRepository(Team), externalId, 'team');
  }
}
