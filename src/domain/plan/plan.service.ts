import type { DataSource } from 'typeorm';
import { ignoreWrites, type WriteObserver } from '../../shared/write-observer';
import { loadInOrder } from '../../db/lookup';
import { upsertByKey, type UpsertSpec } from '../../db/upsert';
import { assertBatch, parseOrThrow } from '../../shared/validation';
import { paginateById, type Connection, type PageArgs } from '../shared/connection';
import { Plan } from './plan.entity';
import { upsertPlanSchema, type UpsertPlanInput } from './plan.inputs';

const planUpsert: UpsertSpec = {
  table: 'plans',
  key: { column: 'code', field: 'code', type: 'text' },
  columns: [
    { column: 'name', field: 'name', type: 'text', insertDefault: `i.p->>'code'` },
    { column: 'interval', field: 'interval', type: 'text', insertDefault: `'MONTH'` },
    { column: 'price_minor', field: 'priceMinor', type: 'bigint', insertDefault: '0' },
    { column: 'currency', field: 'currency', type: 'text', insertDefault: `'USD'` },
    { column: 'is_paid', field: 'isPaid', type: 'boolean', insertDefault: 'false' },
  ],
};

export class PlanService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly maxPageSize: number,
    /** Told after each committed write (the cache's generations). */
    private readonly writes: WriteObserver = ignoreWrites,
  ) {}

  list(args: PageArgs & { includeDeleted?: boolean }): Promise<Connection<Plan>> {
    const query = this.dataSource.getRepository(Plan).createQueryBuilder('plan');
    if (args.includeDeleted) query.withDeleted();
    return paginateById(query, args, this.maxPageSize);
  }

  async upsertMany(inputs: UpsertPlanInput[], source = 'api'): Promise<Plan[]> {
    assertBatch(inputs, (input) => input.code, 'code');
    const valid = inputs.map((input, index) =>
      parseOrThrow(upsertPlanSchema, input, inputs.length === 1 ? 'input' : `inputs[${index}]`),
    );
    const written = await this.dataSource.transaction(async (manager) => {
      const ids = await upsertByKey(manager, planUpsert, valid, source);
      return loadInOrder(manager, Plan, ids);
    });
    this.writes.committed(['subscriptions']);
    return written;
  }
}
