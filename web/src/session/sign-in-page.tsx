import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { signIn, SignInError } from './sign-in.js';

/**
 * The sign-in form. As a dialog over the page when a session expired (`again`), so that the
 * uploads underneath keep their place.
 */
export function SignInForm({
  again,
  username: knownUsername,
  againNote = 'Your uploads are paused, not lost: they continue as soon as you have signed in.',
}: {
  again?: boolean;
  username?: string;
  /** What happens to the page's work meanwhile, said under the title when signing in again. */
  againNote?: string;
}) {
  const ids = { username: useId(), password: useId(), error: useId() };
  const [username, setUsername] = useState(knownUsername ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [retryAt, setRetryAt] = useState<number | undefined>();
  const [now, setNow] = useState(Date.now());
  const errorRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (!retryAt) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [retryAt]);
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);

  const waitSeconds = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username.trim(), password);
    } catch (failure) {
      setError((failure as Error).message);
      setRetryAt(failure instanceof SignInError ? failure.retryAt : undefined);
      setNow(Date.now());
      setBusy(false);
    }
  }

  return (
    <form className="sign-in" onSubmit={submit} aria-describedby={error ? ids.error : undefined} noValidate>
      <h2>{again ? 'Your session has ended: sign in again' : 'Sign in'}</h2>
      {again && <p>{againNote}</p>}
      <TextField
        id={ids.username}
        label="Username"
        autoComplete="username"
        autoFocus={!knownUsername}
        value={username}
        onChange={setUsername}
      />
      <TextField
        id={ids.password}
        label="Password"
        type="password"
        autoComplete="current-password"
        autoFocus={Boolean(knownUsername)}
        value={password}
        onChange={setPassword}
      />
      {error && (
        <p className="error" id={ids.error} role="alert" tabIndex={-1} ref={errorRef}>
          {error}
          {waitSeconds > 0 && ` You can try again in ${waitSeconds} s.`}
        </p>
      )}
      <button type="submit" disabled={busy || waitSeconds > 0 || !username.trim() || !password}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function TextField(props: {
  id: string;
  label: string;
  type?: string;
  autoComplete: string;
  autoFocus: boolean;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.autoComplete}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        required
        autoFocus={props.autoFocus}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </div>
  );
}
