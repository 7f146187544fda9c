import type { GetListParams, Identifier, RaRecord } from 'react-admin';

/**
 * How one resource maps onto our GraphQL operations. A resource declares only what it has;
 * the data provider (data-provider.ts) derives the rest of react-admin's methods from it and
 * refuses, with a message, what the resource cannot do. Adding a resource is one spec here and
 * one <Resource> in admin-app.tsx.
 */
// Methods, not function properties: a spec of a narrower record type still fits the provider's
// Record<string, ResourceSpec>.
export interface ResourceSpec<R extends RaRecord = RaRecord> {
  /**
   * Every record at once, for small lists the server does not page (feature flags): the
   * provider sorts, filters (equality, or `q` over every text field) and pages them here.
   */
  all?(): Promise<R[]>;
  /** One page from the server, which sorts, filters and counts (the admin list queries). */
  page?(params: GetListParams): Promise<{ data: R[]; total: number }>;
  /** One record; without it, found in `all`. */
  one?(id: Identifier): Promise<R>;
  /** Several records in one request (react-admin's getMany, e.g. a page's owners); else `one` each. */
  many?(ids: Identifier[]): Promise<R[]>;
  /**
   * Named actions on several records at once (retry, cancel), each answered id by id: the
   * provider's `bulk(resource, { action, ids })`, which pages call through useDataProvider.
   */
  actions?: Record<string, (ids: Identifier[]) => Promise<BulkResult[]>>;
  /** Saves `data` (the whole form) over `previous`; returns the record as the server now has it. */
  update?(id: Identifier, data: Partial<R>, previous: R): Promise<R>;
  create?(data: Partial<R>): Promise<R>;
  delete?(id: Identifier): Promise<R>;
  /**
   * Several at once, where the server has a bulk operation (revokeApiTokens); returns the ids
   * it acted on. Without it the provider deletes them one by one.
   */
  deleteMany?(ids: Identifier[]): Promise<Identifier[]>;
}

/** What a bulk action did for one id, as the server's BulkResult says. */
export interface BulkResult {
  id: string;
  ok: boolean;
  code?: string | null;
  message?: string | null;
}

/** The fields of `data` whose values differ from `previous` (arrays compared by their items). */
export function changedFields<R extends object>(
  data: Partial<R>,
  previous: R,
  fields: readonly (keyof R)[],
): Partial<R> {
  const changed: Partial<R> = {};
  for (const field of fields) {
    if (!(field in data)) continue;
    if (JSON.stringify(data[field]) !== JSON.stringify(previous[field])) changed[field] = data[field];
  }
  return changed;
}
