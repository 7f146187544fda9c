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

/**
 * One page of `table` and the total under the same conditions, in one round trip each. The
 * order is the sort column then the id in the same direction, so that rows with equal values
 * keep one order from page to page and the walk follows a (column, id) index.
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
  const limit = Math.min(Math.max(page.limit, 1), MAX_PAGE_SIZE);
  const dir = direction === SortDirection.ASC ? 'ASC' : 'DESC';
  const parameters = [...filter.parameters, limit, Math.max(page.offset, 0)];
  const n = filter.parameters.length;
  const [items, [{ total }]] = (await Promise.all([
    manager.query(
      `SELECT ${select} FROM ${from} ${filter.where} ORDER BY ${orderBy} ${dir}, ${id} ${dir} LIMIT $${n + 1} OFFSET $${n + 2}`,
      parameters,
    ),
    manager.query(`SELECT count(*)::int AS total FROM ${from} ${filter.where}`, filter.parameters),
  ])) as [Record<string, unknown>[], { total: number }[]];
  return { items, total };
}

/** An ILIKE pattern matching `text` anywhere, its own `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
