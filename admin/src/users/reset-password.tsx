import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField } from '@mui/material';
import { useId, useState, type FormEvent } from 'react';
import { useRecordContext } from 'react-admin';
import { useUserChange } from './use-user-change.js';
import { PASSWORD_RULE, type UserAccount } from './users-resource.js';

/** The server's rule, checked here first so that the message comes before a round trip. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8) return `Too short: the password must be ${PASSWORD_RULE}.`;
  if (password.length > 1024) return `Too long: the password must be ${PASSWORD_RULE}.`;
  return undefined;
}

/** Sets a new password for an account of the app, in a dialog that states the rules. */
export function ResetPasswordButton() {
  const user = useRecordContext<UserAccount>();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string>();
  const { save, isPending } = useUserChange(user);
  const rulesId = useId();
  if (!user) return null;
  const close = () => {
    setOpen(false);
    setPassword('');
    setProblem(undefined);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = passwordProblem(password);
    setProblem(found);
    if (!found) save({ password }, `${user.username}'s password is changed.`, close);
  };
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)}>
        Reset password
      </Button>
      <Dialog open={open} onClose={close} aria-labelledby={`${rulesId}-title`}>
        <form onSubmit={submit} noValidate>
          <DialogTitle id={`${rulesId}-title`}>New password for {user.username}</DialogTitle>
          <DialogContent>
            <DialogContentText id={rulesId}>
              {PASSWORD_RULE[0].toUpperCase() + PASSWORD_RULE.slice(1)}. Tell {user.username} the new password yourself.
              Tokens they already hold keep working: disable the account to stop them.
            </DialogContentText>
            <TextField
              autoFocus
              fullWidth
              margin="normal"
              type="password"
              label="New password"
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              error={Boolean(problem)}
              helperText={problem ?? PASSWORD_RULE}
              slotProps={{ htmlInput: { 'aria-describedby': rulesId } }}
            />
          </DialogContent>
          <DialogActions>
            <Button onClick={close}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={isPending}>
              {isPending ? 'Saving…' : 'Set password'}
            </Button>
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
}
