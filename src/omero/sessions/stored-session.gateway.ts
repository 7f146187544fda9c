import { OmeroGateway, type ImportRequest, type ImportTargetType, type OmeroUser } from '../omero-gateway.port.js';
import type { OmeroSessionStore } from './omero-session.store.js';

/**
 * The real OMERO gateway, handed each user's stored OMERO session key. The rest of the app knows
 * its users by id only, and an import job runs long after the request that queued it, so the
 * key is looked up here at every call instead of being carried around (or put in a token).
 */
export class StoredSessionGateway extends OmeroGateway {
  readonly kind: OmeroGateway['kind'];

  constructor(
    private readonly inner: OmeroGateway,
    private readonly sessions: OmeroSessionStore,
  ) {
    super();
    this.kind = inner.kind;
  }

  signIn(username: string, password: string) {
    return this.inner.signIn(username, password);
  }

  async listGroups(user: OmeroUser) {
    return this.inner.listGroups(await this.withKey(user));
  }

  async listTargets(user: OmeroUser, groupId: string, type: ImportTargetType) {
    return this.inner.listTargets(await this.withKey(user), groupId, type);
  }

  async importFile(request: ImportRequest) {
    return this.inner.importFile({ ...request, user: await this.withKey(request.user) });
  }

  async keepSessionAlive(user: OmeroUser) {
    return this.inner.keepSessionAlive(await this.withKey(user));
  }

  async renderThumbnail(user: OmeroUser, imageId: string, size: number) {
    return this.inner.renderThumbnail(await this.withKey(user), imageId, size);
  }

  imageWebUrl(imageId: string) {
    return this.inner.imageWebUrl(imageId);
  }

  tookSourceOf(importKey: string) {
    return this.inner.tookSourceOf(importKey);
  }

  /** Without a stored session the key stays unset, which the adapter reports as expired. */
  private async withKey(user: OmeroUser): Promise<OmeroUser> {
    return user.sessionKey ? user : { ...user, sessionKey: await this.sessions.keyOf(user.id) };
  }
}
