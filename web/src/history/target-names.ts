import { useEffect, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { GROUPS, IMPORT_TARGETS, type ImportTarget, type OmeroGroup } from '../api/operations.js';

export interface TargetRef {
  groupId: string | null;
  targetType: string | null;
  targetId: string | null;
}

/** One request per group and type for the page's life: names rarely change, and a reload reads them again. */
const targetsOf = new Map<string, Promise<ImportTarget[]>>();
let groups: Promise<OmeroGroup[]> | undefined;

function loadTargets(groupId: string, type: string): Promise<ImportTarget[]> {
  const key = `${groupId}/${type}`;
  let found = targetsOf.get(key);
  if (!found) {
    found = graphql<{ importTargets: ImportTarget[] }>(IMPORT_TARGETS, { groupId, type }).then(
      ({ importTargets }) => importTargets,
      // A group the user has left, or OMERO unreachable: the row says the id; asked again next time.
      () => {
        targetsOf.delete(key);
        return [];
      },
    );
    targetsOf.set(key, found);
  }
  return found;
}

const TYPE_NAMES: Record<string, string> = { DATASET: 'Dataset', SCREEN: 'Screen' };

/** "Project / Dataset, in Lab (Sandbox OMERO)" for each target the page knows; the id when a name cannot be read. */
export function describeTarget(ref: TargetRef, names: Map<string, string>): string {
  if (!ref.targetId || !ref.targetType) return 'No target chosen';
  return (
    names.get(`${ref.groupId}/${ref.targetType}/${ref.targetId}`) ??
    `${TYPE_NAMES[ref.targetType] ?? 'Target'} ${ref.targetId}`
  );
}

/** The names of the targets of `refs`, looked up in the user's groups (importTargets, groups). */
export function useTargetNames(refs: TargetRef[]): Map<string, string> {
  const [names, setNames] = useState(new Map<string, string>());
  const wanted = [
    ...new Set(refs.filter((ref) => ref.groupId && ref.targetType).map((ref) => `${ref.groupId}/${ref.targetType}`)),
  ]
    .sort()
    .join(',');
  useEffect(() => {
    if (!wanted) return;
    let current = true;
    groups ??= graphql<{ groups: OmeroGroup[] }>(GROUPS).then(
      (answer) => answer.groups,
      () => {
        groups = undefined;
        return [];
      },
    );
    void Promise.all([
      groups,
      ...wanted.split(',').map((key) => loadTargets(...(key.split('/') as [string, string]))),
    ]).then(([groupList, ...lists]) => {
      if (!current) return;
      const groupNames = new Map(groupList.map((group) => [group.id, group]));
      const next = new Map<string, string>();
      for (const target of lists.flat()) {
        const group = groupNames.get(target.groupId);
        const container = target.projectName ? `${target.projectName} / ${target.name}` : target.name;
        const where = group ? `, in ${group.name}${group.sandbox ? ' (Sandbox OMERO)' : ''}` : '';
        next.set(`${target.groupId}/${target.type}/${target.id}`, `${container}${where}`);
      }
      setNames(next);
    });
    return () => {
      current = false;
    };
  }, [wanted]);
  return names;
}
