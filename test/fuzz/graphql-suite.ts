import { buildHarmonySchema } from '../../src/server/graphql/schema';
import type { FuzzServer } from './fuzz-server';
import { runFuzz, type FuzzReport } from './fuzz-runner';
import { graphqlCase, type GraphqlCase } from './graphql-arbitraries';
import { checkGraphqlCase } from './graphql-fuzz';
import type { ServerPools } from './graphql-values';
import { clip } from './invariants';

/** `documents` generated GraphQL requests against the real schema; see `checkGraphqlCase`. */
export async function fuzzGraphql(
  server: FuzzServer,
  documents: number,
  seed: number,
  onProgress?: (done: number) => void,
): Promise<FuzzReport> {
  await loadFixture(server);
  const pools = await serverPools(server);
  const schema = await buildHarmonySchema();
  return runFuzz({
    name: 'graphql',
    unit: 'documents',
    arbitrary: graphqlCase(schema, pools),
    cases: documents,
    seed,
    check: (generated) => checkGraphqlCase(server, generated),
    describe: describeCase,
    isHealthy: () => server.isHealthy(),
    onProgress,
  });
}

function describeCase(generated: GraphqlCase): string {
  return `POST /graphql (key: ${generated.key}) ${clip(generated.rawBody ?? JSON.stringify(generated.body), 1500)}`;
}

/** A few plans, accounts, users, memberships, a subscription, a team and events to read. */
async function loadFixture(server: FuzzServer): Promise<void> {
  await server.test.query(`mutation {
    upsertPlans(inputs: [
      { code: "starter", name: "Starter", price: 49, interval: MONTH },
      { code: "growth", name: "Growth", price: 990, interval: YEAR }
    ]) { code }
    upsertAccounts(inputs: [
      { externalId: "acct-1", name: "Acme", domain: "acme.test", industry: "Software", employeeCount: 50 },
      { externalId: "acct-2", name: "Globex", industry: "Retail", employeeCount: 900 },
      { externalId: "acct-3", name: "Test Co", isTest: true }
    ]) { id }
    upsertUsers(inputs: [
      { externalId: "user-1", email: "ann@acme.test", name: "Ann" },
      { externalId: "user-2", email: "bob@acme.test", name: "Bob" },
      { externalId: "user-3", email: "cy@globex.test", name: "Cy" }
    ]) { id }
    upsertMemberships(inputs: [
      { accountExternalId: "acct-1", userExternalId: "user-1", role: "ADMINISTRATOR" },
      { accountExternalId: "acct-1", userExternalId: "user-2" },
      { accountExternalId: "acct-2", userExternalId: "user-2" },
      { accountExternalId: "acct-2", userExternalId: "user-3" }
    ]) { id }
    upsertSubscriptions(inputs: [
      { externalId: "sub-1", accountExternalId: "acct-1", planCode: "starter", mrr: 49, startedAt: "2025-01-01T00:00:00Z" },
      { externalId: "sub-2", accountExternalId: "acct-2", planCode: "growth", mrr: 82.5, startedAt: "2025-06-01T00:00:00Z" }
    ]) { id }
    upsertTeams(inputs: [
      { externalId: "team-1", accountExternalId: "acct-1", name: "Core", memberExternalIds: ["user-1", "user-2"] }
    ]) { id }
  }`);
  const now = Date.now();
  const batch = Array.from({ length: 40 }, (_, i) => ({
    type: 'track',
    userId: `user-${(i % 3) + 1}`,
    event: i % 2 ? 'Signed In' : 'Report Submitted',
    context: { groupId: i % 3 ? 'acct-1' : 'acct-2' },
    timestamp: new Date(now - i * 36 * 3_600_000).toISOString(),
  }));
  const response = await fetch(`${server.baseUrl}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.test.keys.ingest}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  });
  if (response.status !== 200) throw new Error(`fixture events: HTTP ${response.status}`);
}

async function serverPools(server: FuzzServer): Promise<ServerPools> {
  const data = await server.test.query(`{
    accounts(first: 10) { edges { cursor node { id externalId } } }
    users(first: 10) { edges { cursor node { id externalId } } }
    metricDefinitions { name dimensions }
    eventDefinitions { id key }
    plans(first: 10) { edges { node { code } } }
  }`);
  type Edge = { cursor: string; node: { id: string; externalId: string } };
  const accounts: Edge[] = data.accounts.edges;
  const users: Edge[] = data.users.edges;
  const metrics: { name: string; dimensions: string[] }[] = data.metricDefinitions;
  return {
    accountIds: accounts.map((e) => e.node.id),
    accountExternalIds: accounts.map((e) => e.node.externalId),
    userIds: users.map((e) => e.node.id),
    userExternalIds: users.map((e) => e.node.externalId),
    cursors: [...accounts, ...users].map((e) => e.cursor),
    metricNames: metrics.map((m) => m.name),
    dimensions: [...new Set(metrics.flatMap((m) => m.dimensions))],
    eventKeys: data.eventDefinitions.map((d: { key: string }) => d.key),
    eventDefinitionIds: data.eventDefinitions.map((d: { id: string }) => d.id),
    planCodes: data.plans.edges.map((e: { node: { code: string } }) => e.node.code),
  };
}
