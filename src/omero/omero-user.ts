import type { AuthUser } from '../auth/auth-user.js';
import type { OmeroUser } from './omero-gateway.port.js';

/** The OMERO identity of a signed-in user (with OMERO sign-in, the same name). */
export function omeroUserOf(user: Pick<AuthUser, 'id' | 'username'>): OmeroUser {
  return { id: user.id, username: user.username };
}
