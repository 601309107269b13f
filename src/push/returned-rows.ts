/**
 * The rows of an UPDATE or DELETE ... RETURNING run through TypeORM's `query`, which answers
 * those (unlike SELECT and INSERT) as `[rows, affectedCount]`.
 */
export function returnedRows<Row>(result: unknown): Row[] {
  const value = result as [Row[], number] | Row[];
  return Array.isArray(value[0]) ? (value[0] as Row[]) : (value as Row[]);
}
