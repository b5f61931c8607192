import { EntityManager } from 'typeorm';

/**
 * Multi-row INSERT of `rows` (each as long as `columns`) in one statement: the log's group
 * commit writes a whole batch's rows of each table at once.
 */
export async function insertRows(
  m: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const marks = row.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return `(${marks.join(', ')})`;
  });
  await m.query(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`,
    params,
  );
}
