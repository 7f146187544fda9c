import { lazy, Suspense } from 'react';
import { closeLive } from './api/live.js';
import { SignedInPage } from './in-place/signed-in-page.js';
import { sessionStore, useSession } from './session/session-store.js';
import { SignInForm } from './session/sign-in-page.js';
import { useView, ViewNav } from './navigation/views.js';

const HistoryPage = lazy(() => import('./history/history-page.js'));

export function App() {
  const state = useSession();
  const session = state.status === 'signed-out' ? undefined : state.session;
  // While the sign-in dialog is open, the page beneath keeps running but takes no focus or clicks.
  const expired = state.status === 'expired';
  const [view, setView] = useView();
  return (
    <>
      <header className="top" inert={expired}>
        <h1>OMERO uploader</h1>
        {session && <ViewNav view={view} onChange={setView} />}
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
          <>
            {/* Hidden, not unmounted, on other views: its uploads and their rows carry on. */}
            <div hidden={view !== 'upload'}>
              <Suspense fallback={<p role="status">Loading the uploader…</p>}>
                <SignedInPage />
              </Suspense>
            </div>
            {view === 'history' && (
              <Suspense fallback={<p role="status">Loading your history…</p>}>
                <HistoryPage />
              </Suspense>
            )}
          </>
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
