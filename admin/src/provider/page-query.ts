import type { GetListParams, RaRecord } from 'react-admin';
import { graphql } from '../../../web/src/api/graphql.js';

/** How one admin list query of the shape `q(page, sort, filter): XPage { items total }` is read. */
export interface PageQuery {
  /** The query's name, e.g. "adminUsers". */
  name: string;
  /** Its GraphQL types: `{ sort: 'UserSort', filter: 'UserFilter' }`. */
  sortType: string;
  filterType: string;
  /** The selection of one item. */
  fields: string;
  /** react-admin's sort field → the query's sort enum; fields not listed are not sortable. */
  sortFields: Record<string, string>;
}

/** Filters without a value ("", null, undefined) do not filter; react-admin leaves them so. */
function cleanFilter(filter: Record<string, unknown> = {}): Record<string, unknown> | undefined {
  const kept = Object.entries(filter).filter(([, value]) => value !== '' && value !== null && value !== undefined);
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/**
 * react-admin's page and perPage as the admin lists' `PageInput` (offset and limit), and its sort
 * as the query's sort enum (fields not in `sortFields` are not sortable: no sort is sent).
 */
export function pageAndSort(
  params: Pick<GetListParams, 'pagination' | 'sort'>,
  sortFields: Record<string, string>,
): { page: { offset: number; limit: number }; sort?: { field: string; direction: 'ASC' | 'DESC' } } {
  const { page, perPage } = params.pagination ?? { page: 1, perPage: 25 };
  const field = params.sort?.field ? sortFields[params.sort.field] : undefined;
  return {
    page: { offset: (page - 1) * perPage, limit: perPage },
    ...(field ? { sort: { field, direction: params.sort?.order === 'ASC' ? 'ASC' : 'DESC' } } : {}),
  };
}

/**
 * One page of a server-paged admin list, for ResourceSpec.page: react-admin's page and perPage
 * become offset and limit, its sort the query's sort enum (pageAndSort); the server filters, sorts
 * and counts.
 */
export async function readPage<R extends RaRecord>(
  query: PageQuery,
  params: Pick<GetListParams, 'pagination' | 'sort' | 'filter'>,
  toRecord: (item: Record<string, unknown>) => R = (item) => item as R,
): Promise<{ data: R[]; total: number }> {
  const variables = { ...pageAndSort(params, query.sortFields), filter: cleanFilter(params.filter) };
  const document = `query ${query.name}($page: PageInput!, $sort: ${query.sortType}, $filter: ${query.filterType}) {
    ${query.name}(page: $page, sort: $sort, filter: $filter) { items { ${query.fields} } total }
  }`;
  const answer = await graphql<Record<string, { items: Record<string, unknown>[]; total: number }>>(
    document,
    variables,
  );
  const { items, total } = answer[query.name];
  return { data: items.map(toRecord), total };
}

/** One record of such a list, by its id (the `ids` filter every admin list has). */
export async function readOne<R extends RaRecord>(
  query: PageQuery,
  id: string | number,
  what: string,
  toRecord?: (item: Record<string, unknown>) => R,
): Promise<R> {
  const { data } = await readPage(query, { filter: { ids: [String(id)] } }, toRecord);
  if (!data[0]) throw new Error(`There is no ${what} with the id ${id}: it may have been deleted.`);
  return data[0];
}
