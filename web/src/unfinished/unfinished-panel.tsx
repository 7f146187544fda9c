import { useCallback, useEffect, useRef, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { ErrorWithRetry } from '../targets/target-picker.js';
import { uploadIdOf, type UploaderFile, type UploaderUppy } from '../uploader/create-uppy.js';
import { formatBytes } from '../format/units.js';
import { onUppyEvents } from '../uploader/uppy-events.js';
import { resumeInUppy } from './resume-in-uppy.js';
import { checkSameFile, NotTheSameFile } from './same-file.js';
import { CANCEL_UPLOAD, UNFINISHED_UPLOADS, type UnfinishedUpload } from './unfinished-queries.js';

/** Where one row stands; `message` is for people. */
interface RowState {
  kind: 'checking' | 'refused' | 'failed' | 'resuming' | 'cancelling';
  message: string;
}

const percentOf = (upload: UnfinishedUpload) =>
  upload.sizeBytes ? Math.floor((100 * upload.offsetBytes) / upload.sizeBytes) : 0;

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The user's uploads the server still holds unfinished, from this browser or any other: each
 * can be resumed by choosing its file again (checked to be the same file before a byte is
 * sent) or cancelled. Uploads running in this page are not listed: they are in the Dashboard.
 */
export function UnfinishedPanel({ uppy }: { uppy: UploaderUppy }) {
  const [uploads, setUploads] = useState<UnfinishedUpload[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [states, setStates] = useState<Record<string, RowState>>({});
  // Uploads this page is sending (their tus URL names them): listed in the Dashboard instead.
  const [here, setHere] = useState<ReadonlySet<string>>(new Set());

  const load = useCallback(async () => {
    try {
      const data = await graphql<{ uploads: UnfinishedUpload[] }>(UNFINISHED_UPLOADS);
      setUploads(data.uploads);
      setError(undefined);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);

  const setState = (id: string, state: RowState | undefined) =>
    setStates((current) => {
      const next = { ...current };
      if (state) next[id] = state;
      else delete next[id];
      return next;
    });

  useEffect(() => {
    void load();
    const noteHere = (file: UploaderFile | undefined) => {
      const id = uploadIdOf(file?.tus?.uploadUrl);
      if (id) setHere((current) => (current.has(id) ? current : new Set([...current, id])));
    };
    for (const file of uppy.getFiles()) noteHere(file);
    // A finished, failed or removed upload may have left (or joined) the unfinished ones.
    const reload = () => void load();
    window.addEventListener('focus', reload);
    const stop = onUppyEvents(uppy, [
      ['upload-progress', noteHere],
      ['upload-success', reload],
      ['complete', reload],
      ['upload-error', reload],
      ['file-removed', reload],
    ]);
    return () => {
      window.removeEventListener('focus', reload);
      stop();
    };
  }, [uppy, load]);

  const resume = async (upload: UnfinishedUpload, file: File) => {
    setState(upload.id, {
      kind: 'checking',
      message: `Checking that this is the same file: comparing its first ${formatBytes(upload.offsetBytes)} with the server’s…`,
    });
    try {
      const offset = await checkSameFile(upload, file);
      resumeInUppy(uppy, upload, file);
      setState(upload.id, {
        kind: 'resuming',
        message: `Same file. Resuming from ${formatBytes(offset)}: follow it in step 3 below.`,
      });
    } catch (failure) {
      const kind = failure instanceof NotTheSameFile ? 'refused' : 'failed';
      setState(upload.id, { kind, message: (failure as Error).message });
      if (kind === 'failed') void load();
    }
  };

  const cancel = async (upload: UnfinishedUpload) => {
    const kept = formatBytes(upload.offsetBytes);
    if (!window.confirm(`Cancel the upload of ${upload.fileName}? The ${kept} already sent are deleted.`)) return;
    setState(upload.id, { kind: 'cancelling', message: 'Cancelling…' });
    try {
      await graphql(CANCEL_UPLOAD, { id: upload.id });
      setState(upload.id, undefined);
    } catch (failure) {
      setState(upload.id, { kind: 'failed', message: `Not cancelled: ${(failure as Error).message}` });
    }
    await load();
  };

  // A resumed upload stays listed, saying so, until it has left the unfinished ones.
  const listed = uploads?.filter((upload) => !here.has(upload.id) || states[upload.id]?.kind === 'resuming');
  const latest = Object.values(states).filter((state) => state.kind === 'checking' || state.kind === 'resuming');

  return (
    <section className="unfinished" aria-labelledby="unfinished-heading">
      <h2 id="unfinished-heading">Unfinished uploads</h2>
      {error && (
        <ErrorWithRetry message={`Unfinished uploads could not be listed: ${error}`} onRetry={() => void load()} />
      )}
      {!listed && !error && <p className="empty">Looking for unfinished uploads…</p>}
      {listed?.length === 0 && (
        <p className="empty">
          None. An upload that stops before its end (browser closed, network lost) waits here until it expires, and you
          can resume it from any browser by choosing the file again.
        </p>
      )}
      {listed && listed.length > 0 && (
        <>
          <p className="rules">
            To resume one here, choose Resume… and pick the same file: it continues where it stopped.
          </p>
          <ul className="unfinished-rows">
            {listed.map((upload) => (
              <UnfinishedRow
                key={upload.id}
                upload={upload}
                state={states[upload.id]}
                onFile={(file) => void resume(upload, file)}
                onCancel={() => void cancel(upload)}
              />
            ))}
          </ul>
        </>
      )}
      <div className="visually-hidden" role="status" aria-live="polite">
        {latest.map((state, index) => (
          <p key={index}>{state.message}</p>
        ))}
      </div>
    </section>
  );
}

function UnfinishedRow({
  upload,
  state,
  onFile,
  onCancel,
}: {
  upload: UnfinishedUpload;
  state: RowState | undefined;
  onFile: (file: File) => void;
  onCancel: () => void;
}) {
  const percent = percentOf(upload);
  const busy = state?.kind === 'checking' || state?.kind === 'resuming' || state?.kind === 'cancelling';
  const progressId = `unfinished-${upload.id}-progress`;
  // The file button goes while the file is checked: the focus it had goes to what the row says.
  const message = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (state && (document.activeElement === document.body || !document.activeElement)) message.current?.focus();
  }, [state]);
  return (
    <li className={`unfinished-row${state ? ` state-${state.kind}` : ''}`} data-upload={upload.fileName}>
      <span className="file-name">{upload.fileName}</span>
      <span className="received" id={progressId}>
        {formatBytes(upload.offsetBytes)} of {upload.sizeBytes === null ? 'unknown' : formatBytes(upload.sizeBytes)}{' '}
        received ({percent}%){upload.expiresAt && <>, deleted {when(upload.expiresAt)} unless resumed</>}
      </span>
      <progress max={100} value={percent} aria-label={`Received of ${upload.fileName}`} />
      {!busy && (
        <span className="actions">
          <label className="choose-again button-like">
            <input
              type="file"
              className="visually-hidden"
              aria-describedby={progressId}
              onChange={(event) => {
                const file = event.target.files?.[0];
                // Cleared, so that choosing the same file again is noticed.
                event.target.value = '';
                if (file) onFile(file);
              }}
            />
            Resume<span className="visually-hidden">: choose {upload.fileName} again</span>…
          </label>
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel<span className="visually-hidden"> the upload of {upload.fileName}</span>
          </button>
        </span>
      )}
      {state && (
        <p
          ref={message}
          tabIndex={-1}
          className="unfinished-message"
          data-state={state.kind}
          role={state.kind === 'refused' || state.kind === 'failed' ? 'alert' : undefined}
        >
          {state.message}
        </p>
      )}
    </li>
  );
}
