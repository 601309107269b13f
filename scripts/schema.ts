import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildHarmonySchema } from '../src/server/graphql/schema';

/**
 * `npm run schema:emit` writes schema/schema.graphql; `npm run schema:check` fails when the
 * committed file differs from what the code builds.
 */
const SCHEMA_FILE = path.resolve(__dirname, '..', 'schema', 'schema.graphql');

async function main(): Promise<void> {
  const schemaFile = SCHEMA_FILE;
  const printed = printSchema(lexicographicSortSchema(await buildHarmonySchema())) + '\n';
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(schemaFile) ? fs.readFileSync(schemaFile, 'utf8') : '';
    if (committed !== printed) {
      process.stderr.write(
        `${schemaFile} is out of date with the code: run npm run schema:emit and commit it\n`,
      );
      process.exit(1);
    }
    process.stdout.write('schema/schema.graphql is up to date\n');
    return;
  }
  fs.writeFileSync(schemaFile, printed);
  process.stdout.write(`wrote ${schemaFile}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
