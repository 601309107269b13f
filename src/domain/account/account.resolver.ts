import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Float,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../../context/request-context';
import { HarmonyError } from '../../shared/errors';
import { minorToMajor } from '../../shared/money';
import { UpsertMutations } from '../shared/upsert-mutations';
import { ConnectionType, NestedFirstArg, nestedListSize } from '../shared/connection';
import { selectedColumns, selectionReaches } from '../shared/selected-columns';
import { Plan } from '../plan/plan.entity';
import { Subscription } from '../subscription/subscription.entity';
import { Team } from '../team/team.entity';
import { User } from '../user/user.entity';
import { Account } from './account.entity';
import type { AccountMrrRow } from './account.loaders';
import { AccountLookupArgs, AccountsArgs, UpsertAccountInput } from './account.inputs';

export const AccountConnection = ConnectionType(Account, 'Account');

@Resolver(() => Account)
export class AccountResolver extends UpsertMutations({
  node: Account,
  input: UpsertAccountInput,
  name: 'Account',
  pluralName: 'Accounts',
  description: 'Creates or updates one account keyed by externalId.',
  serviceOf: (services) => services.accounts,
}) {
  @Authorized('read')
  @Query(() => Account, { nullable: true, description: 'One account by id or externalId.' })
  account(@Args() lookup: AccountLookupArgs, @Ctx() { services }: RequestContext) {
    return services.accounts.find(lookup);
  }

  @Authorized('read')
  @Query(() => AccountConnection, { description: 'Accounts in a stable order (oldest first).' })
  accounts(
    @Args() args: AccountsArgs,
    @Ctx() { services, loaders }: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    // A page asking for plans reads them in its own statement: Account.plan finds them loaded.
    if (!selectionReaches(info, ['edges', 'node', 'plan'])) return services.accounts.list(args);
    return services.accounts.list(args, {
      currentPlans: (plans) => {
        for (const [accountId, plan] of plans) {
          loaders.currentPlanByAccountId.prime(accountId, plan && { accountId, plan });
        }
      },
    });
  }

  @Authorized('sync')
  @Mutation(() => Account, { description: 'Soft-deletes an account; it leaves lists and metrics.' })
  deleteAccount(
    @Arg('externalId', { description: 'externalId of the account to soft-delete.' })
    externalId: string,
    @Ctx() { services }: RequestContext,
  ) {
    return services.accounts.softDelete(externalId);
  }

  @FieldResolver(() => [User], {
    description: 'Members of the account (optionally one role), in user id order.',
  })
  async users(
    @Root() account: Account,
    @Arg('role', () => String, {
      nullable: true,
      description: 'Only members with this role, e.g. ADMINISTRATOR.',
    })
    role: string | null,
    @NestedFirstArg() first: number,
    @Ctx() { loaders }: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const rows = await loaders
      .usersByAccountId(role ?? null, nestedListSize(first), selectedColumns(info, User))
      .load(account.id);
    return rows.map((row) => row.entity);
  }

  @FieldResolver(() => [Team], { description: 'Teams of the account, in id order.' })
  teams(
    @Root() account: Account,
    @NestedFirstArg() first: number,
    @Ctx() { loaders }: RequestContext,
  ) {
    return loaders.teamsByAccountId(nestedListSize(first)).load(account.id);
  }

  @FieldResolver(() => [Subscription], {
    description: 'Subscriptions of the account, in id order.',
  })
  subscriptions(
    @Root() account: Account,
    @NestedFirstArg() first: number,
    @Ctx() { loaders }: RequestContext,
  ) {
    return loaders.subscriptionsByAccountId(nestedListSize(first)).load(account.id);
  }

  @FieldResolver(() => Plan, {
    nullable: true,
    description:
      "Plan now: of the subscriptions in force (any status but CANCELED), the one with the largest MRR; ties go to the newest. The same rule as accounts(filter: {planCode}) and the metrics' plan dimension.",
  })
  async plan(@Root() account: Account, @Ctx() { loaders }: RequestContext) {
    const current = await loaders.currentPlanByAccountId.load(account.id);
    return current?.plan ?? null;
  }

  @FieldResolver(() => Float, {
    description:
      'MRR now in the major unit of `currency`, as metric(name: "mrr") computes it: paid subscriptions in force now. An account billed in several currencies answers MIXED_CURRENCIES (Harmony does not convert).',
  })
  async mrr(@Root() account: Account, @Ctx() { loaders }: RequestContext) {
    const row = await loaders.mrrMinorByAccountId.load(account.id);
    if (!row) return 0;
    if (row.min_currency !== row.max_currency) throw mixedCurrencies(account, row);
    return minorToMajor(row.mrr_minor);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'ISO 4217 currency of `mrr`; null while the account pays nothing.',
  })
  async currency(@Root() account: Account, @Ctx() { loaders }: RequestContext) {
    const row = await loaders.mrrMinorByAccountId.load(account.id);
    if (!row) return null;
    if (row.min_currency !== row.max_currency) throw mixedCurrencies(account, row);
    return row.min_currency;
  }
}

function mixedCurrencies(account: Account, row: AccountMrrRow): HarmonyError {
  return new HarmonyError(
    'MIXED_CURRENCIES',
    `account "${account.externalId}" pays in more than one currency (${row.min_currency} … ${row.max_currency}); Harmony does not add amounts in different currencies`,
    { account: account.externalId },
  );
}
