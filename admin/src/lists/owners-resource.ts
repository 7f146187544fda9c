import type { ResourceSpec } from '../provider/resource-spec.js';
import { serverMany, serverPage } from './server-page.js';

/**
 * The owners of jobs and uploads, read-only: what the lists show instead of owner ids and what
 * their user filter searches. A page of records asks for its owners in one request (getMany).
 */
export interface Owner {
  id: string;
  username: string;
}

const ownersPage = serverPage<Owner>(
  {
    name: 'adminUsers',
    sortType: 'UserSort',
    filterType: 'UserFilter',
    fields: 'id username',
    sortFields: { username: 'USERNAME' },
  },
  ({ q, ids }) => ({ ...(q ? { username: q } : {}), ...(ids ? { ids } : {}) }),
);

export const ownersResource: ResourceSpec<Owner> = { page: ownersPage, many: serverMany(ownersPage) };
