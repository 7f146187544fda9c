import { useNotify, useUpdate } from 'react-admin';
import type { UserAccount, UserChange } from './users-resource.js';

/** One change of an account, saved pessimistically: the row shows what the server answered. */
export function useUserChange(user: UserAccount | undefined) {
  const notify = useNotify();
  const [update, { isPending }] = useUpdate<UserAccount>();
  const save = (data: UserChange, done: string, onDone?: () => void) =>
    user &&
    update(
      'users',
      { id: user.id, data, previousData: user },
      {
        mutationMode: 'pessimistic',
        onSuccess: () => {
          notify(done, { type: 'success' });
          onDone?.();
        },
        onError: (error) =>
          notify(`${user.username} was not changed: ${(error as Error).message}`, {
            type: 'error',
            autoHideDuration: 10_000,
          }),
      },
    );
  return { save, isPending };
}
