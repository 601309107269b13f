import type { DataSource } from 'typeorm';
import type { Logger } from '../shared/logger';

/** Placeholder until the demo generator lands (being written now). */
export async function loadDemoDataOnce(_dataSource: DataSource, logger: Logger): Promise<void> {
  logger.warn('demo data generator not written yet');
}
