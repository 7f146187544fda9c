import { graphql } from '../../../web/src/api/graphql.js';
import type { ResourceSpec } from '../provider/resource-spec.js';

/** An OMERO group as `groups` answers it: the signed-in administrator's groups. */
export interface SandboxGroup {
  id: string;
  name: string;
  sandbox: boolean;
}

export type ContainerType = 'DATASET' | 'SCREEN';

/** A dataset or screen of a group, as `importTargets` answers it. */
export interface SandboxContainer {
  id: string;
  groupId: string;
  type: ContainerType;
  name: string;
  projectName: string | null;
  canLink: boolean;
}

/** What the create forms send. */
export interface NewGroup {
  name: string;
  readWrite?: boolean;
  /** Usernames, separated by commas or spaces, as typed. */
  members?: string;
}
export interface NewContainer {
  groupId: string;
  type: ContainerType;
  name: string;
  projectName?: string;
  owner?: string;
}

const GROUPS = 'query SandboxGroups { groups { id name sandbox } }';
const TARGETS = `query SandboxContainers($groupId: ID!, $type: ImportTargetType!) {
  importTargets(groupId: $groupId, type: $type) { id groupId type name projectName canLink }
}`;
const CREATE_GROUP = `mutation CreateSandboxGroup($input: CreateSandboxGroupInput!) {
  createSandboxGroup(input: $input) { id name sandbox }
}`;
const CREATE_CONTAINER = `mutation CreateSandboxContainer($input: CreateSandboxContainerInput!) {
  createSandboxContainer(input: $input) { id groupId type name projectName canLink }
}`;

/** Usernames as typed ("ana, bo carl"): split, trimmed, each once. */
export function usernames(typed: string | undefined): string[] {
  return [...new Set((typed ?? '').split(/[\s,]+/).filter(Boolean))];
}

const blankToUndefined = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

/** The groups are few and unpaged (`all`); the provider sorts and pages them. */
export const sandboxGroupsResource: ResourceSpec<SandboxGroup> = {
  all: async () => (await graphql<{ groups: SandboxGroup[] }>(GROUPS)).groups,
  create: async (data) => {
    const { name, readWrite, members } = data as unknown as NewGroup;
    const input = { name: name?.trim() ?? '', readWrite: Boolean(readWrite), members: usernames(members) };
    return (await graphql<{ createSandboxGroup: SandboxGroup }>(CREATE_GROUP, { input })).createSandboxGroup;
  },
};

/**
 * The datasets and screens of one group (the list's `groupId` filter, required): both kinds
 * read at once, datasets first. Ids are only unique within a kind, so the record id says it.
 */
export const sandboxContainersResource: ResourceSpec<SandboxContainer> = {
  page: async ({ filter }) => {
    const groupId = String((filter as { groupId?: string }).groupId ?? '');
    if (!groupId) return { data: [], total: 0 };
    const kinds = await Promise.all(
      (['DATASET', 'SCREEN'] as const).map(
        async (type) =>
          (await graphql<{ importTargets: SandboxContainer[] }>(TARGETS, { groupId, type })).importTargets,
      ),
    );
    const data = kinds.flat().map((target) => ({ ...target, id: `${target.type}-${target.id}` }));
    return { data, total: data.length };
  },
  create: async (data) => {
    const { groupId, type, name, projectName, owner } = data as unknown as NewContainer;
    const input = {
      groupId,
      type,
      name: name?.trim() ?? '',
      projectName: type === 'DATASET' ? blankToUndefined(projectName) : undefined,
      owner: blankToUndefined(owner),
    };
    const created = (await graphql<{ createSandboxContainer: SandboxContainer }>(CREATE_CONTAINER, { input }))
      .createSandboxContainer;
    return { ...created, id: `${created.type}-${created.id}` };
  },
};
