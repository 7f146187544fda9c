import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { NEW_UPLOADER, useFeatureFlag } from '../flags/feature-flag.js';
import { ErrorWithRetry } from '../targets/target-picker.js';

// Each page loads only when shown: the in-place importer needs none of Uppy.
const UploaderPage = lazy(() => import('../uploader/uploader-page.js'));
const InPlacePage = lazy(() => import('./in-place-page.js'));

/**
 * The signed-in page: the uploader while `newUploader` is on, the in-place importer while it is
 * off, switching in place when an administrator flips the flag. Uploads already running when it
 * goes off carry on in the uploader, which stays on screen until they have finished.
 */
export function SignedInPage() {
  const [flag, retry] = useFeatureFlag(NEW_UPLOADER);
  const enabled = flag.state === 'ready' ? flag.enabled : undefined;
  const [uploaderUsed, setUploaderUsed] = useState(false);
  const [underWay, setUnderWay] = useState(0);
  // Whether the flag was switched while this page was open (a notice says so), and to what.
  const [switchedTo, setSwitchedTo] = useState<boolean | undefined>();
  const first = useRef<boolean | undefined>(undefined);

  useEffect(() => {
    if (enabled === undefined) return;
    if (first.current === undefined) first.current = enabled;
    else setSwitchedTo(enabled);
    if (enabled) setUploaderUsed(true);
  }, [enabled]);

  // Uppy (a module of the uploader's chunk) is asked only once the uploader has been loaded.
  useEffect(() => {
    if (!uploaderUsed) return;
    let current = true;
    let stop = () => undefined as void;
    void import('../uploader/uploader-page.js').then((page) => {
      if (current) stop = page.watchUploadsUnderWay(setUnderWay);
    });
    return () => {
      current = false;
      stop();
    };
  }, [uploaderUsed]);

  if (flag.state === 'loading') return <p role="status">Loading…</p>;
  if (flag.state === 'error')
    return <ErrorWithRetry message={`The page could not be loaded: ${flag.message}`} onRetry={retry} />;

  const finishing = !enabled && underWay > 0;
  const note =
    switchedTo === undefined
      ? undefined
      : switchedTo
        ? 'The administrator switched the web uploader back on. Imports already started carry on.'
        : finishing
          ? 'The administrator switched to the server-folder importer; your uploads in progress will finish, but new uploads are not accepted. The importer opens here once they have finished.'
          : 'The administrator switched to the server-folder importer.';
  return (
    <>
      <div role="status" className="switch-note">
        {note && <p className="notice">{note}</p>}
      </div>
      <Suspense fallback={<p role="status">Loading…</p>}>
        {(enabled || finishing) && <UploaderPage />}
        {!enabled && !finishing && <InPlacePage />}
      </Suspense>
    </>
  );
}
