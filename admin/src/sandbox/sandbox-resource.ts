import { graphql } from '../../../web/src/api/graphql.js';
import type { ResourceSpec } from '../provider/resource-spec.js';

/** A sandbox group as `sandboxGroups` answers it: every one, whoever its members are. */
export interface SandboxGroup {
  id: string;
  name: string;
  readWrite: boolean;
  /** Usernames, sorted. */
  members: string[];
}

export type ContainerType = 'DATASET' | 'SCREEN';

/** A dataset or screen of a group, as `sandboxContainers` answers it. */
export interface SandboxContainer {
  id: string;
  groupId: string;
  type: ContainerType;
  name: string;
  projectName: string | null;
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

const GROUPS = 'query SandboxGroups { sandboxGroups { id name readWrite members } }';
const CONTAINERS = 'query SandboxContainers { sandboxContainers { id groupId type name projectName } }';
const CREATE_GROUP = `mutation CreateSandboxGroup($input: CreateSandboxGroupInput!) {
  createSandboxGroup(input: $input) { id name }
}`;
const CREATE_CONTAINER = `mutation CreateSandboxContainer($input: CreateSandboxContainerInput!) {
  createSandboxContainer(input: $input) { id groupId type name projectName }
}`;

/** Usernames as typed ("ana, bo carl"): split, trimmed, each once. */
export function usernames(typed: string | undefined): string[] {
  return [...new Set((typed ?? '').split(/[\s,]+/).filter(Boolean))];
}

const blankToUndefined = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

/** The groups are few and unpaged (`all`); the provider sorts and pages them. */
export const sandboxGroupsResource: ResourceSpec<SandboxGroup> = {
  all: async () => (await graphql<{ sandboxGroups: SandboxGroup[] }>(GROUPS)).sandboxGroups,
  create: async (data) => {
    const { name, readWrite, members } = data as unknown as NewGroup;
    const input = { name: name?.trim() ?? '', readWrite: Boolean(readWrite), members: usernames(members) };
    const created = (await graphql<{ createSandboxGroup: { id: string; name: string } }>(CREATE_GROUP, { input }))
      .createSandboxGroup;
    return { ...created, readWrite: input.readWrite, members: [...input.members].sort() };
  },
};

/**
 * The datasets and screens of one group (the list's `groupId` filter, required), read from
 * every group's at once. Ids are only unique within a kind, so the record id says it.
 */
export const sandboxContainersResource: ResourceSpec<SandboxContainer> = {
  page: async ({ filter }) => {
    const groupId = String((filter as { groupId?: string }).groupId ?? '');
    if (!groupId) return { data: [], total: 0 };
    const all = (await graphql<{ sandboxContainers: SandboxContainer[] }>(CONTAINERS)).sandboxContainers;
    const data = all
      .filter((container) => container.groupId === groupId)
      .map((container) => ({ ...container, id: `${container.type}-${container.id}` }));
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
