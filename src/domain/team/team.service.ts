import type { DataSource, EntityManager } from 'typeorm';
import { ignoreWrites, type WriteObserver } from '../../shared/write-observer';
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
    /** Told after each committed write (the cache's generations). */
    private readonly writes: WriteObserver = ignoreWrites,
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

  /**
   * Upserts up to 1,000 teams (and, when given, their member lists) in one transaction, in a
   * constant number of statements. Teams are locked in external-id order (the insert's order),
   * so overlapping batches wait for each other instead of deadlocking; member rows are only
   * touched under their team's lock.
   */
  async upsertMany(inputs: UpsertTeamInput[], source = 'api'): Promise<Team[]> {
    assertBatch(inputs, (input) => input.externalId, 'externalId');
    const fieldOf = (index: number) => (inputs.length === 1 ? 'input' : `inputs[${index}]`);
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertTeamSchema, input, fieldOf(index)),
    );
    const written = await this.dataSource.transaction(async (manager) => {
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
      const rows = valid.map((input, index) => ({
        externalId: input.externalId,
        accountId: resolveAccount(accountIds, input.accountExternalId, fieldOf(index)),
        name: input.name,
        members: input.memberExternalIds?.map((externalId, memberIndex) =>
          resolveMember(
            memberIds,
            externalId,
            `${fieldOf(index)}.memberExternalIds[${memberIndex}]`,
          ),
        ),
      }));
      const teams: Array<{ id: string; external_id: string }> = await manager.query(
        `WITH numbered AS (
           -- Ids in input order (the order lists show), rows written in key order (lock order).
           SELECT t.external_id, t.account_id, t.name, coalesce(
               (SELECT id FROM teams x WHERE x.external_id = t.external_id),
               nextval(pg_get_serial_sequence('teams', 'id'))) AS id
           FROM (
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
               WITH ORDINALITY AS t(external_id, account_id, name, n)
             ORDER BY t.n
           ) t
         )
         INSERT INTO teams (id, external_id, account_id, name, source) OVERRIDING SYSTEM VALUE
         SELECT t.id, t.external_id, t.account_id, t.name, $4 FROM numbered t
         ORDER BY t.external_id
         ON CONFLICT (external_id) DO UPDATE SET account_id = EXCLUDED.account_id, name = EXCLUDED.name, deleted_at = NULL
         RETURNING id, external_id`,
        [
          rows.map((r) => r.externalId),
          rows.map((r) => r.accountId),
          rows.map((r) => r.name),
          source,
        ],
      );
      const idOf = new Map(teams.map((team) => [team.external_id, String(team.id)]));
      await replaceMembers(
        manager,
        rows.flatMap((row) =>
          row.members ? [{ teamId: idOf.get(row.externalId)!, members: row.members }] : [],
        ),
      );
      return loadInOrder(
        manager,
        Team,
        rows.map((row) => idOf.get(row.externalId)!),
      );
    });
    this.writes.committed(['accounts']);
    return written;
  }

  async softDelete(externalId: string): Promise<Team> {
    const deleted = await softDeleteByExternalId(
      this.dataSource.getRepository(Team),
      externalId,
      'team',
    );
    this.writes.committed(['accounts']);
    return deleted;
  }
}

function resolveAccount(ids: Map<string, string>, externalId: string, field: string): string {
  const id = ids.get(externalId);
  if (!id)
    throw invalidInput(`${field}.accountExternalId`, `no account has externalId "${externalId}"`);
  return id;
}

function resolveMember(ids: Map<string, string>, externalId: string, field: string): string {
  const id = ids.get(externalId);
  if (!id) throw invalidInput(field, `no user has externalId "${externalId}"`);
  return id;
}

/** Sets each listed team's members to exactly its list: two statements for the whole batch. */
async function replaceMembers(
  manager: EntityManager,
  lists: Array<{ teamId: string; members: string[] }>,
): Promise<void> {
  if (lists.length === 0) return;
  const pairs = lists.flatMap(({ teamId, members }) =>
    [...new Set(members)].map((userId) => [teamId, userId] as const),
  );
  await manager.query(
    `DELETE FROM team_members tm
     WHERE tm.team_id = ANY($1::bigint[])
       AND NOT EXISTS (
         SELECT 1 FROM unnest($2::bigint[], $3::bigint[]) AS k(team_id, user_id)
         WHERE k.team_id = tm.team_id AND k.user_id = tm.user_id)`,
    [lists.map((list) => list.teamId), pairs.map(([team]) => team), pairs.map(([, user]) => user)],
  );
  if (pairs.length === 0) return;
  await manager.query(
    `INSERT INTO team_members (team_id, user_id)
     SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS k(team_id, user_id) ORDER BY 1, 2
     ON CONFLICT DO NOTHING`,
    [pairs.map(([team]) => team), pairs.map(([, user]) => user)],
  );
}
