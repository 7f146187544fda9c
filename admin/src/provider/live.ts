import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { subscribe } from '../../../web/src/api/live.js';

/**
 * Keeps react-query's cache of `resource` fresh while the page is open: every event of
 * `subscription` (another administrator, another instance) and every reconnection of the
 * socket (events sent meanwhile are not replayed) makes react-admin read it again.
 */
export function useLiveResource(resource: string, subscription: string): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const refresh = () => void queryClient.invalidateQueries({ queryKey: [resource] });
    return subscribe(subscription, {}, refresh, refresh);
  }, [queryClient, resource, subscription]);
}
