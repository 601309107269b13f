import {
  COMPANY_WORDS,
  COUNTRIES,
  FIRST_NAMES,
  INDUSTRIES,
  INDUSTRY_SUFFIXES,
  JOB_TITLES,
  LAST_NAMES,
  SIZE_BANDS,
  TEAM_NAMES,
  TIMEZONES,
} from './demo-catalog';
import { DEMO_MONTHS } from './demo-calendar';
import type {
  AccountIndex,
  DemoAccount,
  DemoMembership,
  DemoTeam,
  DemoUser,
  MembershipRole,
  UserIndex,
} from './demo-model';
import type { Random } from './random';

/** Share of accounts flagged `isTest` (sandboxes, QA), kept out of metrics by default. */
const TEST_ACCOUNT_SHARE = 0.05;
/** Share of users who also belong to a second account (consultants, agencies). */
const SECOND_ACCOUNT_SHARE = 0.03;

const TOP_LEVEL_DOMAINS = ['com', 'com', 'com', 'io', 'co', 'ai'] as const;

/**
 * Customer companies across industries and sizes, signing up over the demo period (more of them
 * recently, as a growing business sees); a fifth were already customers when it began.
 */
export function generateAccounts(random: Random, count: number): DemoAccount[] {
  const testAccounts = new Set(
    random.sample(
      Array.from({ length: count }, (_, index) => index),
      Math.round(count * TEST_ACCOUNT_SHARE),
    ),
  );
  const takenNames = new Set<string>();
  const sizeWeights = Object.fromEntries(SIZE_BANDS.map((band, index) => [index, band.weight]));
  const countryWeights = Object.fromEntries(COUNTRIES.map((c, index) => [index, c.weight]));
  return Array.from({ length: count }, (_, index): DemoAccount => {
    const number = String(index + 1).padStart(4, '0');
    const sizeBand = Number(random.weighted(sizeWeights));
    const [minEmployees, maxEmployees] = SIZE_BANDS[sizeBand].employees;
    const industry = random.pick(INDUSTRIES);
    const isTest = testAccounts.has(index);
    const name = isTest
      ? `${random.pick(['QA Sandbox', 'Test Workspace', 'Staging'])} ${number}`
      : uniqueCompanyName(random, industry, takenNames);
    const country = COUNTRIES[Number(random.weighted(countryWeights))];
    const createdAt = random.chance(0.2)
      ? random.float(0, 1)
      : 0.5 + (DEMO_MONTHS - 0.6) * Math.pow(random.float(), 0.85);
    return {
      externalId: `demo-acct-${number}`,
      name,
      domain: isTest
        ? `sandbox-${number}.example.com`
        : `${slug(name)}.${random.pick(TOP_LEVEL_DOMAINS)}`,
      industry,
      employeeCount: random.int(minEmployees, maxEmployees),
      sizeBand,
      isTest,
      traits: {
        country: country.country,
        region: country.region,
        foundedYear: random.int(1985, 2023),
        ...(isTest ? { sandbox: true } : {}),
      },
      createdAt,
      deletedAt: null,
      lastSeenAt: null,
    };
  });
}

export type People = { users: DemoUser[]; memberships: DemoMembership[]; teams: DemoTeam[] };

/**
 * The people of each account: one to three administrators, sometimes a billing contact and
 * guests, members for the rest, joining over the account's life; teams of them; and a few
 * users who also work in a second account.
 */
export function generatePeople(random: Random, accounts: readonly DemoAccount[]): People {
  const users: DemoUser[] = [];
  const memberships: DemoMembership[] = [];
  const teams: DemoTeam[] = [];
  const emailsTaken = new Set<string>();

  accounts.forEach((account, accountIndex) => {
    const [minUsers, maxUsers] = SIZE_BANDS[account.sizeBand].users;
    const userCount = Math.min(account.employeeCount, random.int(minUsers, maxUsers));
    const roles = assignRoles(random, userCount);
    const members: UserIndex[] = [];
    roles.forEach((role, position) => {
      // The first administrator signed the account up; the others arrive over time.
      const joinedAt =
        position === 0
          ? account.createdAt
          : account.createdAt + (DEMO_MONTHS - account.createdAt) * random.float(0, 0.97);
      const userIndex = users.length;
      users.push(newUser(random, userIndex, account, joinedAt, emailsTaken));
      members.push(userIndex);
      memberships.push({ account: accountIndex, user: userIndex, role, joinedAt, leftAt: null });
    });
    teams.push(...generateTeams(random, account, accountIndex, members, memberships, teams.length));
  });

  addSecondAccounts(random, accounts, users, memberships);
  return { users, memberships, teams };
}

/** Roles for an account's users, in joining order. */
function assignRoles(random: Random, userCount: number): MembershipRole[] {
  const admins = Math.min(userCount, random.int(1, 3));
  const roles: MembershipRole[] = Array.from({ length: admins }, () => 'ADMINISTRATOR');
  if (userCount - roles.length >= 3 && random.chance(0.4)) roles.push('BILLING');
  if (userCount - roles.length >= 4 && random.chance(0.3)) {
    roles.push(...Array.from({ length: random.int(1, 2) }, () => 'GUEST' as const));
  }
  while (roles.length < userCount) roles.push('MEMBER');
  // Keep the signing-up administrator first; the rest join in any order.
  return [roles[0], ...random.sample(roles.slice(1), roles.length - 1)];
}

function newUser(
  random: Random,
  index: number,
  account: DemoAccount,
  joinedAt: number,
  emailsTaken: Set<string>,
): DemoUser {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const local = `${first}.${last}`.toLowerCase();
  let email = `${local}@${account.domain}`;
  for (let suffix = 2; emailsTaken.has(email); suffix += 1) {
    email = `${local}${suffix}@${account.domain}`;
  }
  emailsTaken.add(email);
  return {
    externalId: `demo-user-${String(index + 1).padStart(5, '0')}`,
    email,
    name: `${first} ${last}`,
    isTest: account.isTest,
    traits: { title: random.pick(JOB_TITLES), timezone: random.pick(TIMEZONES) },
    createdAt: joinedAt,
    deletedAt: null,
    lastSeenAt: null,
  };
}

/** One team for a small company, up to four for a large one; everyone is in one or two. */
function generateTeams(
  random: Random,
  account: DemoAccount,
  accountIndex: AccountIndex,
  members: readonly UserIndex[],
  memberships: readonly DemoMembership[],
  teamsSoFar: number,
): DemoTeam[] {
  const maxTeams = [1, 2, 3, 4, 4, 4][account.sizeBand];
  const names = random.sample(TEAM_NAMES, random.int(1, maxTeams));
  const teams = names.map((name, index): DemoTeam => ({
    externalId: `demo-team-${String(teamsSoFar + index + 1).padStart(4, '0')}`,
    account: accountIndex,
    name,
    createdAt: account.createdAt + random.float(0, 0.2),
    members: [],
  }));
  const roleOf = new Map(
    memberships.filter((m) => m.account === accountIndex).map((m) => [m.user, m.role]),
  );
  for (const user of members) {
    if (roleOf.get(user) === 'GUEST') continue;
    const [first, second] = random.sample(teams, random.chance(0.2) ? 2 : 1);
    first.members.push(user);
    second?.members.push(user);
  }
  return teams;
}

function addSecondAccounts(
  random: Random,
  accounts: readonly DemoAccount[],
  users: readonly DemoUser[],
  memberships: DemoMembership[],
): void {
  const homeAccount = new Map(memberships.map((m) => [m.user, m.account]));
  const movers = random.sample(
    users.map((_, index) => index),
    Math.round(users.length * SECOND_ACCOUNT_SHARE),
  );
  for (const user of movers.sort((a, b) => a - b)) {
    let other = random.int(0, accounts.length - 2);
    if (other >= homeAccount.get(user)!) other += 1;
    const since = Math.max(users[user].createdAt, accounts[other].createdAt);
    memberships.push({
      account: other,
      user,
      role: random.chance(0.7) ? 'MEMBER' : 'GUEST',
      joinedAt: since + (DEMO_MONTHS - since) * random.float(0, 0.9),
      leftAt: null,
    });
  }
}

/** A name like "Cedar Analytics" that no other demo account has. */
function uniqueCompanyName(
  random: Random,
  industry: (typeof INDUSTRIES)[number],
  taken: Set<string>,
): string {
  while (true) {
    const name = `${random.pick(COMPANY_WORDS)} ${random.pick(INDUSTRY_SUFFIXES[industry])}`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '');
}
