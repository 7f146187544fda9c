import { lazy, Suspense, useEffect, useId } from 'react';
import { useSession } from '../../../web/src/session/session-store.js';
import { SignInForm } from '../../../web/src/session/sign-in-page.js';
import { useAccess, accessStore } from './access.js';
import { signOut } from './auth-provider.js';
import './gate.css';

// react-admin and MUI load only for an administrator: the sign-in page stays light, and
// nobody else downloads the app.
const AdminApp = lazy(() => import('../admin-app.js'));

/**
 * Who gets in: the sign-in form for nobody, a refusal for a user without the admin role, the
 * app for an administrator. A session that expires keeps the app mounted under a sign-in
 * dialog, so a half-filled form survives; requests wait for the new sign-in (web/src/api).
 */
export function Gate() {
  const state = useSession();
  const username = state.status === 'signed-out' ? undefined : state.session.username;
  const access = useAccess();

  useEffect(() => {
    if (username && accessStore.get()?.username !== username) void accessStore.check(username);
  }, [username]);

  if (!username) {
    return (
      <GatePage>
        <SignInForm />
      </GatePage>
    );
  }
  const expired = state.status === 'expired';
  return (
    <>
      <div inert={expired}>
        {access?.status === 'admin' && access.username === username ? (
          <Suspense fallback={<Checking text="Loading the administration app…" />}>
            <AdminApp />
          </Suspense>
        ) : (
          <Verdict access={access} username={username} />
        )}
      </div>
      {expired && (
        <div className="admin-overlay" role="dialog" aria-modal="true" aria-label="Sign in again">
          <SignInForm
            again
            username={username}
            againNote="Nothing is lost: what you were doing carries on as soon as you have signed in."
          />
        </div>
      )}
    </>
  );
}

function Verdict({ access, username }: { access: ReturnType<typeof useAccess>; username: string }) {
  if (access?.status === 'refused') {
    return (
      <Notice title="Administrators only" action={<a href="/">Go to the uploader</a>}>
        <p>
          You are signed in as <strong>{username}</strong>, who is not an administrator, so this app is closed to you.
          If you need it, ask an administrator to give your account the admin role, then sign in again.
        </p>
      </Notice>
    );
  }
  if (access?.status === 'failed') {
    return (
      <Notice
        title="Your access could not be checked"
        action={
          <button type="button" onClick={() => void accessStore.check(username)}>
            Try again
          </button>
        }
      >
        <p role="alert">{access.message}</p>
      </Notice>
    );
  }
  return <Checking text="Checking your access…" />;
}

/** A page that keeps someone out, saying why, with a way on and a way out (signing out). */
function Notice({ title, action, children }: { title: string; action: React.ReactNode; children: React.ReactNode }) {
  const id = useId();
  return (
    <GatePage>
      <section className="admin-refused" aria-labelledby={id}>
        <h2 id={id}>{title}</h2>
        {children}
        <div className="admin-actions">
          {action}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </section>
    </GatePage>
  );
}

function Checking({ text }: { text: string }) {
  return (
    <GatePage>
      <p role="status" className="admin-checking">
        {text}
      </p>
    </GatePage>
  );
}

function GatePage({ children }: { children: React.ReactNode }) {
  return (
    <div className="admin-gate">
      <header>
        <h1>OMERO uploader administration</h1>
      </header>
      <main>{children}</main>
    </div>
  );
}
