import { useGetList } from 'react-admin';
import type { SandboxGroup } from './sandbox-resource.js';

/**
 * Whether the sandbox OMERO runs (true), a real OMERO is configured (false), or not known yet
 * (undefined: still asking, or the question failed). The server says it on every group: the
 * sandbox always gives an administrator a starter group, so the list is never empty there.
 * With the sandbox, accounts are the app's own; with OMERO they come from OMERO.
 */
export function useSandboxRunning(): boolean | undefined {
  const { data, isPending, error } = useGetList<SandboxGroup>(
    'sandbox-groups',
    { pagination: { page: 1, perPage: 1000 }, sort: { field: 'name', order: 'ASC' } },
    // Which OMERO runs never changes while the app runs.
    { staleTime: Infinity },
  );
  if (isPending || error || !data) return undefined;
  return data.some((group) => group.sandbox);
}
