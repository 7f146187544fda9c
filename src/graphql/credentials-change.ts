import type { AuthUser } from '../auth/auth-user.js';
import { ACCOUNT_DISABLED, ACCOUNT_GONE } from '../auth/auth.service.js';
import { TOKEN_REVOKED } from '../auth/api-tokens.service.js';

/**
 * The PubSub trigger on which the database announces a change to someone's credentials (see
 * migration 1764600000000): whichever code path or person changes the rows, every instance
 * hears of it when the change commits.
 */
export const CREDENTIALS_CHANGED = 'credentialsChanged';

/** Why the connections of a user whose roles changed are closed (with 4403). */
export const PERMISSIONS_CHANGED = 'Your permissions changed. Connect again to continue.';

/** The payload of a credentialsChanged notification, as the database triggers build it. */
export interface CredentialsChange {
  userId: string;
  /** users: disabled, enabled, role or deleted; api_tokens: revoked or deleted (with apiTokenId). */
  change: 'disabled' | 'enabled' | 'role' | 'deleted' | 'revoked';
  apiTokenId?: string;
}

/** Why a connection signed in as `user` must close after `change`, or undefined if it may stay. */
export function reasonToClose(
  change: CredentialsChange,
  user: AuthUser,
): { reason: string; forbidden?: boolean } | undefined {
  if (change.userId !== user.id) return undefined;
  if (change.apiTokenId) return change.apiTokenId === user.apiTokenId ? { reason: TOKEN_REVOKED } : undefined;
  switch (change.change) {
    case 'disabled':
      return { reason: ACCOUNT_DISABLED };
    case 'deleted':
      return { reason: ACCOUNT_GONE };
    case 'role':
      return { reason: PERMISSIONS_CHANGED, forbidden: true };
    default:
      return undefined;
  }
}
