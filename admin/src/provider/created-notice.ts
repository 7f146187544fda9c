import { useNotify, useRedirect, type RaRecord } from 'react-admin';

/**
 * A create form's success, said in our words: react-admin's own notice ("Element created") is a
 * translation key with a fallback, and a message of ours passed as successMessage is taken as
 * such a key. Goes to `to` afterwards, as the form's redirect would.
 */
export function useCreatedNotice<R extends RaRecord>(message: (created: R) => string, to: string) {
  const notify = useNotify();
  const redirect = useRedirect();
  return {
    onSuccess: (created: R) => {
      notify(message(created), { type: 'success' });
      redirect(to);
    },
  };
}
