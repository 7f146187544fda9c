import { useQuery } from '@tanstack/react-query';
import { graphql } from '../../../web/src/api/graphql.js';

const GROUPS = 'query OmeroKind { groups { sandbox } }';

/**
 * Whether the sandbox OMERO runs (true), a real OMERO is configured (false), or not known yet
 * (undefined: still asking, or the question failed). The server says it on every group of
 * `groups`: the sandbox always gives an administrator a starter group, so it is never empty
 * there. With the sandbox, accounts are the app's own; with OMERO they come from OMERO.
 */
export function useSandboxRunning(): boolean | undefined {
  const { data } = useQuery({
    queryKey: ['omero-kind'],
    queryFn: async () => (await graphql<{ groups: { sandbox: boolean }[] }>(GROUPS)).groups,
    // Which OMERO runs never changes while the app runs.
    staleTime: Infinity,
  });
  return data ? data.some((group) => group.sandbox) : undefined;
}
