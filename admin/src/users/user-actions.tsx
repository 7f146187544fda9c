import { Button, Stack } from '@mui/material';
import { useState } from 'react';
import { Confirm, useGetIdentity, useRecordContext } from 'react-admin';
import { useSandboxRunning } from '../sandbox/use-sandbox.js';
import { ResetPasswordButton } from './reset-password.js';
import { useUserChange } from './use-user-change.js';
import type { UserAccount, UserChange } from './users-resource.js';

/** A button that asks first, then makes one change. */
function ConfirmedChange({
  label,
  title,
  content,
  change,
  done,
  color,
}: {
  label: string;
  title: string;
  content: string;
  change: UserChange;
  done: string;
  color?: 'error' | 'primary';
}) {
  const user = useRecordContext<UserAccount>();
  const [open, setOpen] = useState(false);
  const { save, isPending } = useUserChange(user);
  return (
    <>
      <Button size="small" color={color ?? 'primary'} onClick={() => setOpen(true)} disabled={isPending}>
        {label}
      </Button>
      <Confirm
        isOpen={open}
        loading={isPending}
        title={title}
        content={content}
        confirm={label}
        onConfirm={() => save(change, done, () => setOpen(false))}
        onClose={() => setOpen(false)}
      />
    </>
  );
}

/**
 * What an administrator may do to an account. Never to their own (the server refuses to let
 * one disable oneself or take one's own role); OMERO accounts only get disabled, since OMERO
 * rules their passwords and roles (the server refuses the rest with OMERO configured).
 */
export function UserActions() {
  const user = useRecordContext<UserAccount>();
  const { identity } = useGetIdentity();
  const localAccounts = useSandboxRunning() === true;
  if (!user) return null;
  const self = identity?.id === user.username;
  const managed = localAccounts && !user.omeroAccount;
  return (
    <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.5 }}>
      {!self &&
        (user.disabled ? (
          <ConfirmedChange
            label="Enable"
            title={`Enable ${user.username}?`}
            content={`${user.username} may sign in again, and their API tokens work again.`}
            change={{ disabled: false }}
            done={`${user.username} is enabled again.`}
          />
        ) : (
          <ConfirmedChange
            label="Disable"
            color="error"
            title={`Disable ${user.username}?`}
            content={`${user.username} is signed out at once: their sign-in, access and API tokens and open pages stop working until you enable the account again. Their uploads and imports are kept.`}
            change={{ disabled: true }}
            done={`${user.username} is disabled.`}
          />
        ))}
      {managed &&
        !self &&
        (user.admin ? (
          <ConfirmedChange
            label="Remove admin role"
            title={`Take the administrator role from ${user.username}?`}
            content={`From their next request ${user.username} can no longer use this app or change flags and settings.`}
            change={{ admin: false }}
            done={`${user.username} is no longer an administrator.`}
          />
        ) : (
          <ConfirmedChange
            label="Make admin"
            title={`Make ${user.username} an administrator?`}
            content={`${user.username} may then use this app: see everyone's uploads and jobs, and change flags, settings and accounts.`}
            change={{ admin: true }}
            done={`${user.username} is now an administrator.`}
          />
        ))}
      {managed && <ResetPasswordButton />}
    </Stack>
  );
}
