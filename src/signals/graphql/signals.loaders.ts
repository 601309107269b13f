import { In, type DataSource } from 'typeorm';
import { manyPerKeyLoader, onePerKeyLoader } from '../../db/loader-helpers';
import { Plan } from '../../domain/plan/plan.entity';

/** Per-request loaders of the signals types. */
export function createSignalsLoaders(dataSource: DataSource) {
  const membersLoader = manyPerKeyLoader<{ account_id: string; segment: string }>(
    (ids) =>
      dataSource.query(
        `SELECT account_id::text AS account_id, segment FROM segment_members
         WHERE account_id = ANY($1::bigint[]) ORDER BY segment`,
        [ids],
      ),
    (row) => row.account_id,
  );
  return {
    planByCode: onePerKeyLoader<Plan>(
      (codes) =>
        dataSource.getRepository(Plan).find({ where: { code: In([...codes]) }, withDeleted: true }),
      (plan) => plan.code,
    ),
    /** Segment names of each account, sorted (Account.segments). */
    segmentsByAccountId: {
      load: async (id: string) => (await membersLoader.load(id)).map((row) => row.segment),
    },
  };
}
