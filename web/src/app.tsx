import { Suspense } from 'react';
import { closeLive } from './api/live.js';
import { SignedInPage } from './in-place/signed-in-page.js';
import { sessionStore, useSession } from './session/session-store.js';
import { SignInForm } from './session/sign-in-page.js';

export function App() {
  const state = useSession();
  const session = state.status === 'signed-out' ? undefined : state.session;
  // While the sign-in dialog is open, the page beneath keeps running but takes no focus or clicks.
  const expired = state.status === 'expired';
  return (
    <>
      <header className="top" inert={expired}>
        <h1>OMERO uploader</h1>
        {session && (
          <div className="user">
            <span>
              Signed in as <strong>{session.username}</strong>
            </span>
            <button
              type="button"
              onClick={() => {
                if (sessionStore.signOut()) closeLive();
              }}
            >
              Sign out
            </button>
          </div>
        )}
      </header>
      <main inert={expired}>
        {!session ? (
          <SignInForm />
        ) : (
          <Suspense fallback={<p role="status">Loading the uploader…</p>}>
            <SignedInPage />
          </Suspense>
        )}
      </main>
      {state.status === 'expired' && (
        <div className="overlay" role="dialog" aria-modal="true" aria-label="Sign in again">
          <SignInForm again username={state.session.username} />
        </div>
      )}
    </>
  );
}
