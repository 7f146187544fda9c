import { readOne, readPage, type PageQuery } from '../provider/page-query.js';
import type { ResourceSpec } from '../provider/resource-spec.js';
import { startOfDay } from '../lists/server-page.js';

/** schema.gql's AuditEntry: one change to a flag or a setting; the values are JSON. */
export interface AuditEntry {
  id: string;
  changedAt: string;
  changedBy: string | null;
  changedByUsername: string;
  kind: 'FLAG' | 'SETTING';
  key: string;
  oldValue: string | null;
  newValue: string | null;
}

const AUDIT_QUERY: PageQuery = {
  name: 'auditEntries',
  sortType: 'AuditEntrySort',
  filterType: 'AuditEntryFilter',
  fields: 'id changedAt changedBy changedByUsername kind key oldValue newValue',
  sortFields: { changedAt: 'CHANGED_AT', key: 'KEY' },
};

/** The date filters are days (the form's date inputs); the server wants instants. */
function instants(filter: Record<string, unknown> = {}): Record<string, unknown> {
  const { changedFrom, changedTo, ...rest } = filter as { changedFrom?: string; changedTo?: string };
  // "To" names the last day wanted, included: the server's bound is exclusive.
  return {
    ...rest,
    changedFrom: changedFrom ? startOfDay(changedFrom) : undefined,
    changedTo: changedTo ? startOfDay(changedTo, 1) : undefined,
  };
}

export const auditResource: ResourceSpec<AuditEntry> = {
  page: (params) => readPage<AuditEntry>(AUDIT_QUERY, { ...params, filter: instants(params.filter) }),
  one: (id) => readOne<AuditEntry>(AUDIT_QUERY, id, 'audit entry'),
};
