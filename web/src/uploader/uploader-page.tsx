import { useCallback, useEffect, useState } from 'react';
import { sessionStore } from '../session/session-store.js';
import type { ImportTarget } from '../api/operations.js';
import { StatusList } from '../status/status-list.js';
import { useFileRows } from '../status/file-rows.js';
import { TargetPicker } from '../targets/target-picker.js';
import { useIntegrity } from '../integrity/use-integrity.js';
import { UnfinishedPanel } from '../unfinished/unfinished-panel.js';
import { createUppy, refusedInFolder, type UploaderUppy } from './create-uppy.js';
import { UploadPanel } from './upload-panel.js';
import { onUppyEvents } from './uppy-events.js';
import { uploaderTurn, useUploaderTurn } from './one-tab.js';

/** Notes about refused files, newest last; a few are enough. */
const MAX_NOTES = 5;
let notesListener: ((note: string) => void) | undefined;

// One Uppy for the page's whole life: it survives sign-out and an expired session, so uploads
// in progress and Golden Retriever's restored files are never dropped by a re-render.
let pageUppy: UploaderUppy | undefined;
function theUppy(): UploaderUppy {
  if (!pageUppy) {
    pageUppy = createUppy((note) => notesListener?.(note));
    pageUppy.on('restriction-failed', (file, error) => {
      if (file && (refusedInFolder(file.id) || pageUppy?.getFile(file.id))) return;
      const name = file?.name ?? 'A file';
      const reason = error.message.includes(name) ? error.message : `${name}: ${error.message}`;
      notesListener?.(`Not added: ${reason}${reason.endsWith('.') ? '' : '.'}`);
    });
  }
  return pageUppy;
}

/** The uploader, once this tab is the one of this browser that uploads (see one-tab.ts). */
export default function UploaderPage() {
  const turn = useUploaderTurn();
  if (turn === 'asking') return <p role="status">Loading…</p>;
  if (turn === 'waiting') return <OtherTabNotice />;
  return <Uploader />;
}

function OtherTabNotice() {
  return (
    <section aria-labelledby="other-tab-heading">
      <h2 id="other-tab-heading">Uploads are open in another tab</h2>
      <p role="status">
        This browser uploads from one tab at a time, so that no file is sent twice. Continue in the other tab of this
        site. Once it is closed, this one takes over, with the uploads it was running.
      </p>
    </section>
  );
}

function Uploader() {
  const uppy = theUppy();
  const [target, setTarget] = useState<ImportTarget | undefined>();
  const [notes, setNotes] = useState<string[]>([]);
  notesListener = (note) => setNotes((current) => [...current, note].slice(-MAX_NOTES));
  const onTarget = useCallback((next: ImportTarget | undefined) => setTarget(next), []);
  useEffect(() => sessionStore.guardSignOut(() => stopUploadsForSignOut(uppy)), [uppy]);

  return (
    <div className="uploader">
      <UnfinishedPanel uppy={uppy} />
      <TargetPicker onChange={onTarget} />
      <UploadPanel uppy={uppy} target={target} notes={notes} />
      <FileStatus uppy={uppy} />
    </div>
  );
}

/**
 * The files' rows, in a component of their own: their progress changes once a second
 * during an upload, and re-renders only this list, not the target picker and the Dashboard.
 */
function FileStatus({ uppy }: { uppy: UploaderUppy }) {
  const { rows, retry, cancel } = useFileRows(uppy);
  const integrity = useIntegrity(uppy);
  return (
    <StatusList
      rows={rows}
      integrity={integrity}
      onRetry={(row) => void retry(row)}
      onCancel={(row) => void cancel(row)}
    />
  );
}

/**
 * Calls `listener` with how many uploads are under way (started, neither finished nor failed),
 * now and after every change: when the `newUploader` flag goes off, the page keeps the
 * uploader on screen until they have finished rather than hiding them.
 */
export function watchUploadsUnderWay(listener: (count: number) => void): () => void {
  // A tab waiting for another one's uploads has none of its own, and must not create Uppy.
  let stop: (() => void) | undefined;
  let stopped = false;
  void uploaderTurn().then(() => {
    if (!stopped) stop = watchUppy(theUppy(), listener);
  });
  return () => {
    stopped = true;
    stop?.();
  };
}

function watchUppy(uppy: UploaderUppy, listener: (count: number) => void): () => void {
  const report = () =>
    listener(
      uppy.getFiles().filter((file) => file.progress.uploadStarted && !file.progress.uploadComplete && !file.error)
        .length,
    );
  const events = [
    'upload',
    'upload-progress',
    'upload-success',
    'upload-error',
    'upload-retry',
    'retry-all',
    'complete',
    'file-removed',
    'cancel-all',
    'restored',
  ] as const;
  const stop = onUppyEvents(
    uppy,
    events.map((event) => [event, report]),
  );
  report();
  return stop;
}

/**
 * Signing out must not leave this user's files for the next person at this browser: after a
 * confirmation when uploads are running, they are cancelled (with the token still valid, so
 * the server deletes their partial bytes) and the list is emptied.
 */
function stopUploadsForSignOut(uppy: UploaderUppy): boolean {
  const running = uppy.getFiles().filter((file) => file.progress.uploadStarted && !file.progress.uploadComplete);
  if (
    running.length > 0 &&
    !window.confirm(`Signing out stops ${running.length} upload(s) in progress, and they cannot be resumed. Sign out?`)
  )
    return false;
  uppy.cancelAll();
  return true;
}
