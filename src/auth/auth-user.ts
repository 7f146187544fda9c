import type { Role } from './user.entity.js';

/** Who is calling, as the guards attach it to the request (HTTP) or connection (WebSocket). */
export interface AuthUser {
  id: string;
  username: string;
  roles: Role[];
  /** How the caller proved it: a login's access token, or an integrator's API token. */
  via: 'access-token' | 'api-token';
  /** When the access token it came with expires (API tokens do not). */
  expiresAt?: Date;
  /** The API token it came with, so that revoking the token closes its open connections. */
  apiTokenId?: string;
}

export function isAdmin(user: Pick<AuthUser, 'roles'>): boolean {
  return user.roles.includes('admin');
}
