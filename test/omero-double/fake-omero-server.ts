import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, readBody } from './fake-http.js';
import type { FakeOmeroState } from './fake-omero-state.js';
import type { FakeSession } from './fake-omero-model.js';

/**
 * The OMERO server side of the double, on `blitzPort`: what fake-omero-cli.mjs asks in place
 * of Ice (joining a session by key, sudo sessions, switching a session's group, importing).
 * It shares its state with OMERO.web's side, so a session from the web login works here.
 */
export class FakeOmeroServer {
  constructor(private readonly state: FakeOmeroState) {}

  async handle(request: IncomingMessage, response: ServerResponse) {
    const body = JSON.parse((await readBody(request)) || '{}') as Record<string, string>;
    switch (request.url) {
      case '/session/join':
        return this.join(body, response);
      case '/session/create':
        return this.sudo(body, response);
      case '/session/group':
        return this.switchGroup(body, response);
      case '/import':
        return this.importFile(body, response);
      default:
        json(response, 404, { message: `unknown call ${request.url}` });
    }
  }

  private describe(session: FakeSession) {
    const user = this.state.users.get(session.userId)!;
    return {
      key: session.uuid,
      userName: user.name,
      groupId: session.groupId,
      groupName: this.state.groups.get(session.groupId),
    };
  }

  private join(body: Record<string, string>, response: ServerResponse) {
    const session = this.state.liveSession(body.key);
    if (!session) return json(response, 404, { message: 'no such session' });
    json(response, 200, this.describe(session));
  }

  private sudo(body: Record<string, string>, response: ServerResponse) {
    // A plain login (-u -w) names the user as its own "admin".
    const admin = this.state.userNamed(body.admin);
    if (!admin || admin.password !== body.password || (body.admin !== body.user && !admin.admin)) {
      return json(response, 403, { kind: 'password', message: `Password check failed for '${body.admin}'` });
    }
    const user = this.state.userNamed(body.user);
    if (!user) return json(response, 403, { kind: 'security', message: `No such user: ${body.user}` });
    const groupId = body.group ? this.groupId(body.group) : user.groupIds[0];
    if (groupId === undefined || !user.groupIds.includes(groupId)) {
      return json(response, 403, {
        kind: 'security',
        message: `User ${user.name} is not a member of group ${body.group}`,
      });
    }
    json(response, 200, this.describe(this.state.openSession(user, groupId)));
  }

  private switchGroup(body: Record<string, string>, response: ServerResponse) {
    const session = this.state.liveSession(body.key);
    if (!session) return json(response, 404, { message: 'no such session' });
    const before = this.describe(session);
    const groupId = this.groupId(body.group);
    if (groupId === undefined || !this.state.users.get(session.userId)!.groupIds.includes(groupId)) {
      return json(response, 403, { message: `Cannot switch to group ${body.group}: not a member` });
    }
    session.groupId = groupId;
    json(response, 200, { before, after: this.describe(session) });
  }

  private async importFile(body: Record<string, string>, response: ServerResponse) {
    const session = this.state.liveSession(body.key);
    if (!session) return json(response, 404, { kind: 'session', message: 'no such session' });
    const user = this.state.users.get(session.userId)!;
    const type = body.targetType as 'Dataset' | 'Screen';
    const target = this.state.containers.find((c) => c.type === type && c.id === Number(body.targetId));
    const ref = `ome.model.containers.${type}`;
    if (!target) {
      return json(response, 404, { message: `No row with the given identifier exists: [${ref}#${body.targetId}]` });
    }
    if (target.groupId !== session.groupId)
      return json(response, 403, { message: `Cannot read ${ref}:Id_${target.id}` });
    const canLink =
      this.state.canLinkOverrides.get(`${user.id}:${type}:${target.id}`) ?? user.groupIds.includes(target.groupId);
    if (!canLink) return json(response, 403, { message: `Cannot link to ${ref}:Id_${target.id}: not permitted` });
    await this.state.importsHeld;
    const imageIds = type === 'Screen' ? [this.state.ids.image++, this.state.ids.image++] : [this.state.ids.image++];
    const plateIds = type === 'Screen' ? [this.state.ids.plate++] : [];
    const filesetId = this.state.ids.fileset++;
    for (const id of imageIds) this.state.images.set(id, { groupId: target.groupId, ownerId: user.id });
    this.state.imports.push({
      username: user.name,
      groupId: session.groupId,
      targetType: type,
      targetId: target.id,
      fileName: body.fileName,
      transfer: body.transfer,
      imageIds,
      plateIds,
    });
    json(response, 200, { filesetId, imageIds, plateIds });
  }

  private groupId(nameOrId: string): number | undefined {
    if (/^\d+$/.test(nameOrId)) return this.state.groups.has(Number(nameOrId)) ? Number(nameOrId) : undefined;
    return [...this.state.groups.entries()].find(([, name]) => name === nameOrId)?.[0];
  }
}
