// PostGraphile v5 on Harmony's tables, the peer of `npm run bench:api`. The bench installs
// PostGraphile into BENCH_PEERS_DIR at run time; nothing of it is a dependency of Harmony.
const http = require('node:http');
const path = require('node:path');
const { createRequire } = require('node:module');

const peers = createRequire(path.join(process.env.BENCH_PEERS_DIR, 'package.json'));
const { postgraphile } = peers('postgraphile');
const { PostGraphileAmberPreset } = peers('postgraphile/presets/amber');
const { makePgService } = peers('postgraphile/adaptors/pg');
const { grafserv } = peers('postgraphile/grafserv/node');

/**
 * Our `subscriptions` table would become PostGraphile's type `Subscription`, the root type of
 * GraphQL subscriptions: it is called `BillingSubscription` here, as in Harmony's schema.
 */
const RenameSubscriptionsPlugin = {
  name: 'RenameSubscriptionsPlugin',
  version: '0.0.0',
  inflection: {
    replace: {
      _singularizedCodecName(previous, _options, codec) {
        const name = previous(codec);
        return name === 'subscription' ? 'billingSubscription' : name;
      },
    },
  },
};

/**
 * The stock Amber preset, production-like: no GraphiQL, no watch mode, no explain. Conditions
 * on columns without an index (`deletedAt`) are allowed, so both servers skip soft-deleted rows.
 */
const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [RenameSubscriptionsPlugin],
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [
    makePgService({
      connectionString: process.env.BENCH_DATABASE_URL,
      schemas: ['public'],
      // The same pool size Harmony runs with (HARMONY_DB_POOL_SIZE's default).
      poolConfig: { max: Number(process.env.BENCH_POOL_SIZE ?? 10) },
    }),
  ],
  grafserv: { graphiql: false, watch: false, graphqlPath: '/graphql' },
  grafast: { explain: false },
};

async function main() {
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  await serv.addTo(server);
  server.listen(0, '127.0.0.1', () => {
    process.send({ port: server.address().port });
  });
  process.on('message', async () => {
    server.close();
    await pgl.release();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`postgraphile peer failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
