import Dashboard from '@uppy/react/dashboard';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import { useEffect, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { subscribe } from '../api/live.js';
import { UPLOADER_SETTINGS, type ImportTarget, type UploaderSettings } from '../api/operations.js';
import { GhostFilesNotice } from '../offline/ghost-files-notice.js';
import { ErrorWithRetry } from '../targets/target-picker.js';
import { formatBytes } from '../format/units.js';
import { applySettings, type UploaderUppy } from './create-uppy.js';

const SETTINGS_CHANGED = `subscription UploaderSettingsChanged {
  uploaderSettingsChanged { allowedExtensions maxFileSizeBytes chunkSizeBytes autoImport }
}`;

/**
 * The files to upload: Uppy's Dashboard inline, restricted as the server's uploaderSettings
 * say, sending each file to the chosen target. Files refused in the browser stay listed with
 * the reason until the next refusal.
 */
export function UploadPanel({
  uppy,
  target,
  notes,
}: {
  uppy: UploaderUppy;
  target: ImportTarget | undefined;
  notes: string[];
}) {
  const [settings, setSettings] = useState<UploaderSettings | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    const apply = (next: UploaderSettings) => {
      if (!current) return;
      applySettings(uppy, next);
      setSettings(next);
      setError(undefined);
    };
    const load = () =>
      graphql<{ uploaderSettings: UploaderSettings }>(UPLOADER_SETTINGS).then(
        ({ uploaderSettings }) => apply(uploaderSettings),
        (failure: Error) => current && setError(failure.message),
      );
    void load();
    // An administrator's change reaches the page at once; changes made while the socket was
    // down are read again when it reconnects (and when the tab gets the focus back).
    const stop = subscribe<{ uploaderSettingsChanged: UploaderSettings }>(
      SETTINGS_CHANGED,
      {},
      ({ uploaderSettingsChanged }) => apply(uploaderSettingsChanged),
      () => void load(),
    );
    window.addEventListener('focus', load);
    return () => {
      current = false;
      stop();
      window.removeEventListener('focus', load);
    };
  }, [uppy, attempt]);

  useEffect(() => {
    uppy.setMeta(
      target
        ? { targetType: target.type, targetId: target.id, groupId: target.groupId }
        : { targetType: undefined, targetId: undefined, groupId: undefined },
    );
    uppy.setOptions({
      onBeforeUpload: (files) => {
        // Files restored after a reload carry the target they were started with.
        if (target || Object.values(files).every((file) => file.meta.targetId)) return files;
        uppy.info('Choose a dataset or screen first (step 1), then upload.', 'error', 6000);
        return false;
      },
    });
  }, [uppy, target]);

  return (
    <section className="upload-panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading">2. Add your images</h2>
      {error && (
        <ErrorWithRetry
          message={`The upload rules could not be loaded: ${error}`}
          onRetry={() => setAttempt((n) => n + 1)}
        />
      )}
      {settings && (
        <p className="rules" id="upload-rules">
          Up to {formatBytes(settings.maxFileSizeBytes)} per file. Accepted:{' '}
          {settings.allowedExtensions.map((extension) => `.${extension}`).join(', ')}. Folders are not supported yet.
        </p>
      )}
      {!target && <p className="notice">Choose where the images go (step 1) before you upload.</p>}
      <Dashboard
        uppy={uppy}
        width="100%"
        height={360}
        proudlyDisplayPoweredByUppy={false}
        hideProgressDetails={false}
        showRemoveButtonAfterComplete
        note={
          target
            ? `Into ${target.projectName ? `${target.projectName} / ` : ''}${target.name}${target.sandbox ? ' (Sandbox OMERO)' : ''}`
            : undefined
        }
        doneButtonHandler={undefined}
      />
      <GhostFilesNotice uppy={uppy} />
      {notes.length > 0 && (
        <div className="refusals" role="alert">
          {notes.map((note, index) => (
            <p key={index}>{note}</p>
          ))}
        </div>
      )}
    </section>
  );
}
