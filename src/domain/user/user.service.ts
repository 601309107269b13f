import type { DataSource } from 'typeorm';
import { ignoreWrites, type WriteObserver } from '../../shared/write-observer';
import { idsByExternalId, loadInOrder } from '../../db/lookup';
import { upsertByKey, type UpsertSpec } from '../../db/upsert';
import { attributeToJoinedAccounts } from '../../ingest/sole-account';
import { sqlOf } from '../../ingest/sql';
import { invalidInput } from '../../shared/errors';
import { assertBatch, parseOrThrow } from '../../shared/validation';
import { paginateById, type Connection } from '../shared/connection';
import { containsPattern, findByIdOrExternalId, softDeleteByExternalId } from '../shared/lookup';
import { Membership } from './membership.entity';
import { User } from './user.entity';
import {
  upsertMembershipSchema,
  upsertUserSchema,
  type UpsertMembershipInput,
  type UpsertUserInput,
  type UserLookupArgs,
  type UsersArgs,
} from './user.inputs';

const userUpsert: UpsertSpec = {
  table: 'users',
  key: { column: 'external_id', field: 'externalId', type: 'text' },
  columns: [
    { column: 'email', field: 'email', type: 'text' },
    { column: 'name', field: 'name', type: 'text' },
    { column: 'traits', field: 'traits', type: 'jsonb', merge: true },
    { column: 'is_test', field: 'isTest', type: 'boolean', insertDefault: 'false' },
  ],
};

export class UserService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly maxPageSize: number,
    /** Told after each committed write (the cache's generations). */
    private readonly writes: WriteObserver = ignoreWrites,
  ) {}

  find(lookup: UserLookupArgs): Promise<User | null> {
    return findByIdOrExternalId(this.dataSource.getRepository(User), lookup);
  }

  list(args: UsersArgs): Promise<Connection<User>> {
    const query = this.dataSource.getRepository(User).createQueryBuilder('user');
    const filter = args.filter;
    if (filter?.includeDeleted) query.withDeleted();
    if (filter?.search) {
      query.andWhere('("user".name ILIKE :search OR "user".email ILIKE :search)', {
        search: containsPattern(filter.search),
      });
    }
    if (filter?.isTest != null)
      query.andWhere('"user".is_test = :isTest', { isTest: filter.isTest });
    if (args.updatedSince)
      query.andWhere('"user".updated_at >= :updatedSince', { updatedSince: args.updatedSince });
    return paginateById(query, args, this.maxPageSize);
  }

  /** Upserts up to 1,000 users in one transaction; all or nothing. */
  async upsertMany(inputs: UpsertUserInput[], source = 'api'): Promise<User[]> {
    assertBatch(inputs, (input) => input.externalId, 'externalId');
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertUserSchema, input, inputs.length === 1 ? 'input' : `inputs[${index}]`),
    );
    const written = await this.dataSource.transaction(async (manager) => {
      const ids = await upsertByKey(manager, userUpsert, valid, source);
      return loadInOrder(manager, User, ids);
    });
    this.writes.committed(['accounts']);
    return written;
  }

  async softDelete(externalId: string): Promise<User> {
    const deleted = await softDeleteByExternalId(
      this.dataSource.getRepository(User),
      externalId,
      'user',
    );
    this.writes.committed(['accounts']);
    return deleted;
  }

  /** Upserts up to 1,000 memberships keyed by (account, user) in one transaction. */
  async upsertMemberships(inputs: UpsertMembershipInput[], source = 'api'): Promise<Membership[]> {
    assertBatch(
      inputs,
      (input) => `${input.accountExternalId}/${input.userExternalId}`,
      'userExternalId',
    );
    const fieldOf = (index: number) => (inputs.length === 1 ? 'input' : `inputs[${index}]`);
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertMembershipSchema, input, fieldOf(index)),
    );
    const written = await this.dataSource.transaction(async (manager) => {
      const roles: Array<{ code: string }> = await manager.query(
        'SELECT code FROM membership_roles ORDER BY code',
      );
      const roleCodes = roles.map((role) => role.code);
      const accountIds = await idsByExternalId(
        manager,
        'accounts',
        valid.map((input) => input.accountExternalId),
      );
      const userIds = await idsByExternalId(
        manager,
        'users',
        valid.map((input) => input.userExternalId),
      );
      const rows = valid.map((input, index) => {
        const accountId = accountIds.get(input.accountExternalId);
        const userId = userIds.get(input.userExternalId);
        if (!accountId)
          throw invalidInput(
            `${fieldOf(index)}.accountExternalId`,
            `no account has externalId "${input.accountExternalId}"`,
          );
        if (!userId)
          throw invalidInput(
            `${fieldOf(index)}.userExternalId`,
            `no user has externalId "${input.userExternalId}"`,
          );
        if (input.role && !roleCodes.includes(input.role)) {
          throw invalidInput(
            `${fieldOf(index)}.role`,
            `expected one of ${roleCodes.join(', ')}, got "${input.role}"`,
          );
        }
        if (input.leftAt && input.joinedAt && input.leftAt < input.joinedAt) {
          throw invalidInput(`${fieldOf(index)}.leftAt`, 'must not be before joinedAt');
        }
        return { accountId, userId, ...input };
      });
      // Update existing memberships (only the fields given), then insert the new ones.
      const records = JSON.stringify(rows);
      const recordset = `jsonb_to_recordset($1::jsonb) AS r(
        "accountId" bigint, "userId" bigint, role text, "joinedAt" timestamptz, "leftAt" timestamptz)`;
      const given = (
        field: string,
      ) => `(SELECT x ? '${field}' FROM jsonb_array_elements($1::jsonb) x
        WHERE (x->>'accountId')::bigint = r."accountId" AND (x->>'userId')::bigint = r."userId")`;
      await manager.query(
        `UPDATE memberships m SET
           role_code = coalesce(r.role, m.role_code),
           joined_at = CASE WHEN ${given('joinedAt')} THEN coalesce(r."joinedAt", m.joined_at) ELSE m.joined_at END,
           left_at = CASE WHEN ${given('leftAt')} THEN r."leftAt" ELSE m.left_at END,
           deleted_at = NULL
         FROM ${recordset}
         WHERE m.account_id = r."accountId" AND m.user_id = r."userId"`,
        [records],
      );
      await manager.query(
        `INSERT INTO memberships (account_id, user_id, role_code, joined_at, left_at, source)
         SELECT r."accountId", r."userId", coalesce(r.role, 'MEMBER'), coalesce(r."joinedAt", clock_timestamp()), r."leftAt", $2
         FROM ${recordset}
         ON CONFLICT (account_id, user_id) DO NOTHING`,
        [records, source],
      );
      const result: Array<{ id: string }> = await manager.query(
        `SELECT m.id FROM ${recordset}
         JOIN memberships m ON m.account_id = r."accountId" AND m.user_id = r."userId"`,
        [records],
      );
      const memberships = await loadInOrder(
        manager,
        Membership,
        result.map((row) => row.id),
      );
      // Events stored while these users had no account get the one they now only have.
      await attributeToJoinedAccounts(
        sqlOf(manager),
        memberships.filter((m) => m.leftAt === null).map((m) => m.userId),
      );
      return memberships;
    });
    this.writes.committed(['accounts']);
    return written;
  }
}
