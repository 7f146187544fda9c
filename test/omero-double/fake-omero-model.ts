/**
 * What the OMERO double holds (users, containers, sessions, and what it recorded), and how
 * OMERO.web's JSON API writes it: objects with `@id`, `@type` and `omero:details`, and pages
 * with `meta`.
 */

const SCHEMA = 'http://www.openmicroscopy.org/Schemas/OME/2016-06';
/** OMERO.web's page size when a request names none. */
const DEFAULT_LIMIT = 200;

export type ContainerType = 'Project' | 'Dataset' | 'Screen';

export interface FakeUser {
  id: number;
  name: string;
  password: string;
  groupIds: number[];
  admin: boolean;
}

export interface FakeContainer {
  id: number;
  type: ContainerType;
  name: string;
  groupId: number;
  ownerId: number;
  /** For datasets: the projects they are linked to. */
  projectIds: number[];
}

export interface FakeSession {
  uuid: string;
  userId: number;
  groupId: number;
  expired: boolean;
  /** When a call last joined the session (Date.now()). */
  joinedAt: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface RecordedImport {
  username: string;
  groupId: number;
  targetType: 'Dataset' | 'Screen';
  targetId: number;
  fileName: string;
  transfer: string;
  imageIds: number[];
  plateIds: number[];
}

/** A container as OMERO.web's JSON API lists it, with the permissions of the user asking. */
export function marshalContainer(
  container: FakeContainer,
  groupName: string | undefined,
  { member, canLink }: { member: boolean; canLink: boolean },
) {
  return {
    '@id': container.id,
    '@type': `${SCHEMA}#${container.type}`,
    Name: container.name,
    Description: '',
    'omero:details': {
      owner: { '@id': container.ownerId, '@type': `${SCHEMA}#Experimenter` },
      group: { '@id': container.groupId, '@type': `${SCHEMA}#ExperimenterGroup`, Name: groupName },
      permissions: { canLink, canEdit: canLink, canAnnotate: member, canDelete: false },
    },
  };
}

/** Groups as OMERO.web lists them: by name, case-insensitively. */
export function marshalGroups(groups: { id: number; name: string }[]) {
  return groups
    .map(({ id, name }) => ({ '@id': id, '@type': `${SCHEMA}#ExperimenterGroup`, Name: name }))
    .sort((a, b) => a.Name.toLowerCase().localeCompare(b.Name.toLowerCase()) || a['@id'] - b['@id']);
}

/** One page of a listing, as omeroweb.api.api_query.query_objects builds it. */
export function page(items: Record<string, unknown>[], url: URL, maxLimit: number) {
  const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
  const asked = Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT);
  const limit = Math.min(asked >= 0 ? asked : DEFAULT_LIMIT, maxLimit);
  return { data: items.slice(offset, offset + limit), meta: { offset, limit, maxLimit, totalCount: items.length } };
}

export function byName(containers: FakeContainer[]): FakeContainer[] {
  return [...containers].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id);
}
