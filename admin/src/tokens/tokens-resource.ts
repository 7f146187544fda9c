import { HttpError, type Identifier } from 'react-admin';
import { bulkMutation } from '../lists/server-page.js';
import { readOne, readPage, type PageQuery } from '../provider/page-query.js';
import type { ResourceSpec } from '../provider/resource-spec.js';

/** schema.gql's UserApiToken: an API token with its owner. */
export interface UserApiToken {
  id: string;
  name: string;
  tokenPrefix: string;
  userId: string;
  username: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const TOKENS_QUERY: PageQuery = {
  name: 'adminApiTokens',
  sortType: 'ApiTokenSort',
  filterType: 'ApiTokenFilter',
  fields: 'id name tokenPrefix userId username createdAt lastUsedAt revokedAt',
  sortFields: { createdAt: 'CREATED_AT', lastUsedAt: 'LAST_USED_AT', name: 'NAME' },
};

const revokeApiTokens = bulkMutation('revokeApiTokens');

/**
 * Revokes the tokens (the server takes up to 500 at once, a page's worth). Those it could not
 * revoke are said in one error, after the others are done.
 */
async function revoke(ids: Identifier[]): Promise<Identifier[]> {
  const results = await revokeApiTokens(ids);
  const failed = results.filter((result) => !result.ok);
  if (failed.length) {
    const reasons = [...new Set(failed.map((result) => result.message))].join(' ');
    throw new HttpError(`${failed.length} of ${ids.length} tokens were not revoked: ${reasons}`, 409);
  }
  return results.map((result) => result.id);
}

export const tokensResource: ResourceSpec<UserApiToken> = {
  page: (params) => readPage<UserApiToken>(TOKENS_QUERY, params),
  one: (id) => readOne<UserApiToken>(TOKENS_QUERY, id, 'API token'),
  // A revoked token stays in the list (with when it was revoked): "delete" here revokes.
  delete: async (id) => {
    await revoke([id]);
    return readOne<UserApiToken>(TOKENS_QUERY, id, 'API token');
  },
  deleteMany: revoke,
};
