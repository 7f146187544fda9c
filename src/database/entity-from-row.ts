import type { ObjectLiteral, Repository } from 'typeorm';

/**
 * The entity of a raw row (`SELECT *`, `RETURNING *`), with the columns' transformers applied:
 * for hot paths written in plain SQL, where TypeORM's query building and hydration cost more
 * CPU than the query itself.
 */
export function entityFromRow<T extends ObjectLiteral>(repository: Repository<T>, row: Record<string, unknown>): T {
  const entity = repository.create();
  for (const column of repository.metadata.columns) {
    const value = row[column.databaseName];
    const transformer = column.transformer;
    Object.assign(entity, {
      [column.propertyName]: transformer && !Array.isArray(transformer) ? transformer.from(value) : value,
    });
  }
  return entity;
}
