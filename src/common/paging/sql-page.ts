import type { EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { MAX_PAGE_SIZE, type Page, type PageInput, SortDirection } from './page.input.js';

/** Conditions of a WHERE clause and their parameters, numbered as they are added. */
export class SqlConditions {
  readonly conditions: string[] = [];
  readonly parameters: unknown[] = [];

  /** Adds `condition`, in which `?` stands for `value`; skipped when value is undefined or null. */
  add(condition: string, value: unknown): this {
    if (value === undefined || value === null) return this;
    this.parameters.push(value);
    this.conditions.push(condition.replace('?', `$${this.parameters.length}`));
    return this;
  }

  get where(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** A date range of a filter must run forwards. */
export function checkRange(from: Date | null | undefined, to: Date | null | undefined, name: string): void {
  if (from && to && from > to) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `${name}: the start must not be after the end.`);
  }
}

/** The ids of one page: what the admin lists' indexes answer (see the migration ConfigAuditAndAdminLists). */
export function pageIdsQuery(from: string, where: string, order: string, limit: number, offset: number, id = 'id') {
  return `SELECT ${id} FROM ${from} ${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`;
}

/**
 * One page of `from` and the total under the same conditions. The order is the sort column then
 * the id in the same direction, so that rows with equal values keep one order from page to page
 * and the walk follows a (column, id) index. The page's ids are found first and its rows read
 * after (a "deferred join"): walking the index to a deep offset then reads no row it skips,
 * where `SELECT *` would read each from the table (ten times slower at offset 50,000 of 100,000).
 */
export async function selectPage(
  manager: EntityManager,
  options: {
    select: string;
    from: string;
    filter: SqlConditions;
    orderBy: string;
    direction: SortDirection;
    page: PageInput;
    /** The id column breaking ties, qualified when `from` joins tables. */
    id?: string;
  },
): Promise<Page<Record<string, unknown>>> {
  const { select, from, filter, orderBy, direction, page, id = 'id' } = options;
  const limit = Math.trunc(Math.min(Math.max(page.limit, 1), MAX_PAGE_SIZE));
  const offset = Math.trunc(Math.max(page.offset, 0));
  const dir = direction === SortDirection.ASC ? 'ASC' : 'DESC';
  const order = `${orderBy} ${dir}, ${id} ${dir}`;
  const [items, [{ total }]] = (await Promise.all([
    manager.query(
      `SELECT ${select} FROM ${from} WHERE ${id} IN (${pageIdsQuery(from, filter.where, order, limit, offset, id)})
       ORDER BY ${order}`,
      filter.parameters,
    ),
    manager.query(`SELECT count(*)::int AS total FROM ${from} ${filter.where}`, filter.parameters),
  ])) as [Record<string, unknown>[], { total: number }[]];
  return { items, total };
}

/** An ILIKE pattern matching `text` anywhere, its own `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
