import { FormControlLabel, Switch } from '@mui/material';
import { useNotify, useRecordContext, useUpdate } from 'react-admin';
import type { FeatureFlag } from './flags-resource.js';

/**
 * One click switches the flag on the server; the switch shows the server's answer, not a
 * guess (pessimistic), and stays still while the change is under way.
 */
export function FlagToggle() {
  const flag = useRecordContext<FeatureFlag>();
  const notify = useNotify();
  const [update, { isPending }] = useUpdate<FeatureFlag>();
  if (!flag) return null;
  const toggle = () =>
    update(
      'flags',
      { id: flag.id, data: { enabled: !flag.enabled }, previousData: flag },
      {
        mutationMode: 'pessimistic',
        onSuccess: (saved) => notify(`${saved.key} is now ${saved.enabled ? 'on' : 'off'}.`, { type: 'success' }),
        onError: (error) =>
          notify(`${flag.key} was not changed: ${(error as Error).message}`, {
            type: 'error',
            autoHideDuration: 10_000,
          }),
      },
    );
  return (
    <FormControlLabel
      control={
        <Switch
          checked={flag.enabled}
          disabled={isPending}
          onChange={toggle}
          // Named by the flag's key; the visible On/Off beside it is its state, not its name.
          slotProps={{ input: { role: 'switch', 'aria-label': flag.key } }}
        />
      }
      label={isPending ? 'Saving…' : flag.enabled ? 'On' : 'Off'}
    />
  );
}
