import type { DataSource } from 'typeorm';
import {
  entitiesById,
  firstRowsPerParent,
  loaderPerArguments,
  manyPerKeyLoader,
  onePerKeyLoader,
  linkedEntitiesPerParent,
} from '../../db/loader-helpers';
import { accountMrrAtSql, accountPlanAtSql } from '../subscription';
import { Subscription } from '../subscription/subscription.entity';
import { Team } from '../team/team.entity';
import { User } from '../user/user.entity';
import { Account } from './account.entity';

/** An account's MRR now, with the currencies it was billed in. */
export type AccountMrrRow = {
  account_id: string;
  mrr_minor: string;
  min_currency: string;
  max_currency: string;
};

/** Per-request loaders for what hangs off an account. */
export function createAccountLoaders(dataSource: DataSource) {
  return {
    accountById: onePerKeyLoader<Account>(
      (ids) => entitiesById(dataSource, Account, ids),
      (account) => account.id,
    ),
    /** Live members of each account (optionally one role), the first `first` by user id. */
    usersByAccountId: loaderPerArguments((role: string | null, first: number) =>
      manyPerKeyLoader<{ parentId: string; entity: User }>(
        (accountIds) =>
          linkedEntitiesPerParent(dataSource, User, {
            from: 'memberships m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL',
            parent: 'm.account_id',
            child: 'm.user_id',
            where: 'm.deleted_at IS NULL AND ($3::text IS NULL OR m.role_code = $3::text)',
            params: [role],
            parentIds: accountIds,
            first,
          }),
        (row) => row.parentId,
      ),
    ),
    teamsByAccountId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<Team>(
        (accountIds) =>
          firstRowsPerParent(dataSource, Team, {
            parent: 'accountId',
            parentIds: accountIds,
            first,
            orderBy: ['id'],
          }),
        (team) => team.accountId,
      ),
    ),
    subscriptionsByAccountId: loaderPerArguments((first: number) =>
      manyPerKeyLoader<Subscription>(
        (accountIds) =>
          firstRowsPerParent(dataSource, Subscription, {
            parent: 'accountId',
            parentIds: accountIds,
            first,
            orderBy: ['id'],
          }),
        (subscription) => subscription.accountId,
      ),
    ),
    /** The account's plan now, by the one rule (src/domain/subscription). */
    currentPlanIdByAccountId: onePerKeyLoader<{ account_id: string; plan_id: string }>(
      (accountIds) =>
        dataSource.query(
          `SELECT ap.account_id, ap.plan_id
           FROM (${accountPlanAtSql('now()', 'AND h.account_id = ANY($1)')}) ap`,
          [accountIds],
        ),
      (row) => String(row.account_id),
    ),
    /** MRR now in minor units, by the rule the metrics use; min/max currency reveal a mix. */
    mrrMinorByAccountId: onePerKeyLoader<AccountMrrRow>(
      (accountIds) =>
        dataSource.query(
          `SELECT am.account_id, am.mrr_minor::bigint AS mrr_minor,
             trim(am.min_currency) AS min_currency, trim(am.max_currency) AS max_currency
           FROM (${accountMrrAtSql('now()', 'AND h.account_id = ANY($1)')}) am`,
          [accountIds],
        ),
      (row) => String(row.account_id),
    ),
  };
}
