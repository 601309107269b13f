import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config';
import { migrate, openDatabase } from '../src/db/database';
import { MetricsService, TargetService } from '../src/metrics';
import { createLogger } from '../src/shared/logger';
import { entities } from '../src/domain/entities';

/**
 * `npm run targets:import -- plan.csv [--reason "board plan v2"]`: checks the whole sheet, then
 * writes it in one transaction (DATABASE_URL, or the embedded demo database). A bad row names
 * its line and column and nothing is written. Format: docs/targets.md.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const reasonAt = args.indexOf('--reason');
  const reason = reasonAt >= 0 ? args[reasonAt + 1] : undefined;
  const file = args.find((arg, index) => !arg.startsWith('--') && index !== reasonAt + 1);
  if (!file || (reasonAt >= 0 && !reason)) {
    throw new Error('usage: npm run targets:import -- plan.csv [--reason "why the plan changed"]');
  }
  const text = fs.readFileSync(file, 'utf8');
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger, entities);
  try {
    if (database.embedded || config.migrateOnStart) await migrate(database.dataSource);
    const metrics = new MetricsService(database.dataSource);
    const rows = await new TargetService(database.dataSource, metrics).importCsv(
      text,
      path.basename(file),
      `targets:import (${os.userInfo().username})`,
      reason ?? `imported ${path.basename(file)}`,
    );
    process.stdout.write(`${rows.length} plan rows in ${path.basename(file)} imported\n`);
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  process.stderr.write(`targets:import failed: ${(error as Error).message}\n`);
  process.exit(1);
});
