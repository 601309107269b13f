import { parseArgs } from 'node:util';
import type { ApiKey } from '../src/domain/api-key/api-key.entity';
import { ApiKeyService, parseScopes } from '../src/domain/api-key/api-key.service';
import { CliError, runCli, usageError, withDatabase } from './cli';

const USAGE = `Usage: npm run keys -- <command> [options]

Creates, lists and revokes Harmony API keys.

Commands:
  create --name <name> --scopes <scopes>
      Creates a key and prints it on stdout, alone, so scripts can capture it. It is shown
      this once only; Harmony stores its SHA-256 hash. Scopes: a comma-separated list of
      ingest, read, sync, admin (admin carries all the others).
  list [--json]
      Lists every key: id, name, prefix, scopes, created, last used (to the minute), revoked.
  revoke <id|prefix>
      Revokes the key with that id, or with that 8-character prefix (as shown by list) when
      exactly one active key has it. Every running server refuses the key at once.

Options:
  --name <name>      create: what the key is for (e.g. ci, hubspot-sync).
  --scopes <scopes>  create: e.g. read,sync.
  --json             list: print JSON instead of a table.
  -h, --help         Show this help.

The database is DATABASE_URL, or the embedded PostgreSQL of \`npm start\` when it is unset.
Example: npm run keys -- create --name ci --scopes read,sync
`;

const COMMANDS = ['create', 'list', 'revoke'] as const;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usageError(error, 'npm run keys --');
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    if (!values.help) process.exitCode = 1;
    return;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new CliError(
      `Unknown command "${command}": expected one of ${COMMANDS.join(', ')}.\n` +
        `Run \`npm run keys -- --help\` for usage.`,
    );
  }

  if (command === 'create') {
    if (!values.name?.trim()) throw new CliError('create needs --name <name>, e.g. --name ci');
    if (values.scopes === undefined) {
      throw new CliError('create needs --scopes <scopes>, e.g. --scopes read,sync');
    }
    // Checked before touching the database, so a typo fails fast.
    const scopes = parseScopes(values.scopes);
    await withDatabase({ migrate: 'like-start' }, async ({ database }) => {
      const { key, record } = await new ApiKeyService(database.dataSource).create(
        values.name!,
        scopes,
      );
      process.stderr.write(
        `Created API key ${record.id} "${record.name}" (prefix ${record.prefix}, scopes ` +
          `${record.scopes.join(', ')}). This is the only time the key is shown:\n`,
      );
      process.stdout.write(`${key}\n`);
    });
    return;
  }

  if (command === 'list') {
    await withDatabase({ migrate: 'like-start' }, async ({ database }) => {
      const keys = await new ApiKeyService(database.dataSource).list();
      process.stdout.write(
        values.json ? `${JSON.stringify(keys.map(toJson), null, 2)}\n` : table(keys),
      );
    });
    return;
  }

  const target = rest[0];
  if (!target)
    throw new CliError('revoke needs the id or prefix of a key: npm run keys -- revoke 3');
  await withDatabase({ migrate: 'like-start' }, async ({ database }) => {
    const revoked = await new ApiKeyService(database.dataSource).revoke(target);
    if (revoked === 0) {
      throw new CliError(
        `No active key has id or prefix "${target}" (see \`npm run keys -- list\`).`,
      );
    }
    process.stderr.write(
      `Revoked ${revoked} key${revoked === 1 ? '' : 's'} matching "${target}".\n`,
    );
  });
}

function toJson(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}

/** A plain aligned table, one key per line. */
function table(keys: ApiKey[]): string {
  const when = (date: Date | null) => (date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');
  const rows = [
    ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
    ...keys.map((key) => [
      key.id,
      key.name,
      key.prefix,
      key.scopes.join(','),
      when(key.createdAt),
      when(key.lastUsedAt),
      when(key.revokedAt),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

runCli(main);
