import type { GetListParams, Identifier, RaRecord } from 'react-admin';
import { graphql } from '../../../web/src/api/graphql.js';
import { readPage, type PageQuery } from '../provider/page-query.js';
import type { BulkResult } from '../provider/resource-spec.js';

/** The file lists' sort fields (FileSortField), by the record field a column sorts. */
export const FILE_SORT_FIELDS: Record<string, string> = {
  createdAt: 'CREATED_AT',
  updatedAt: 'UPDATED_AT',
  fileName: 'FILE_NAME',
  sizeBytes: 'SIZE',
  status: 'STATUS',
};

/** Midnight at the start of a picked day (YYYY-MM-DD), in the administrator's time zone. */
export function startOfDay(day: string, plusDays = 0): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date + plusDays).toISOString();
}

/**
 * The filter form's values as the admin list queries take them: `q` searches file names, the
 * date range is of whole days in the administrator's time zone (the "to" day included), and
 * empty values are left out, as the server treats a given field as a condition.
 */
export function fileListFilter(values: Record<string, unknown>): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length)) continue;
    if (field === 'q') filter.fileName = value;
    else if (field === 'createdFrom') filter.createdFrom = startOfDay(String(value));
    else if (field === 'createdTo') filter.createdTo = startOfDay(String(value), 1);
    else filter[field] = value;
  }
  return filter;
}

/**
 * ResourceSpec.page over one of the admin list queries (readPage), its filter form's values
 * turned into the query's filter first: the server sorts, filters and counts.
 */
export function serverPage<R extends RaRecord>(
  query: PageQuery,
  toFilter: (values: Record<string, unknown>) => Record<string, unknown>,
) {
  return ({ pagination, sort, filter }: GetListParams): Promise<{ data: R[]; total: number }> =>
    readPage<R>(query, { pagination, sort, filter: toFilter(filter ?? {}) });
}

/** ResourceSpec.many over the same query: the records with these ids, in one request. */
export function serverMany<R extends RaRecord>(page: ReturnType<typeof serverPage<R>>) {
  return async (ids: Identifier[]): Promise<R[]> =>
    (await page({ pagination: { page: 1, perPage: Math.max(ids.length, 1) }, filter: { ids } } as GetListParams)).data;
}

/** A bulk mutation (retryImports, cancelUploads, …) as a ResourceSpec action. */
export function bulkMutation(field: string) {
  const document = `mutation Bulk($ids: [ID!]!) { ${field}(ids: $ids) { id ok code message } }`;
  return async (ids: Identifier[]): Promise<BulkResult[]> =>
    (await graphql<Record<string, BulkResult[]>>(document, { ids: ids.map(String) }))[field];
}
