import { useCallback, useState } from 'react';
import type { ImportTarget } from '../api/operations.js';
import { StatusList } from '../status/status-list.js';
import { useFileRows } from '../status/file-rows.js';
import { TargetPicker } from '../targets/target-picker.js';
import { createUppy, type UploaderUppy } from './create-uppy.js';
import { UploadPanel } from './upload-panel.js';

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
      const name = file?.name ?? 'A file';
      notesListener?.(`Not added: ${error.message.includes(name) ? error.message : `${name}: ${error.message}`}.`);
    });
  }
  return pageUppy;
}

export default function UploaderPage() {
  const uppy = theUppy();
  const [target, setTarget] = useState<ImportTarget | undefined>();
  const [notes, setNotes] = useState<string[]>([]);
  notesListener = (note) => setNotes((current) => [...current, note].slice(-MAX_NOTES));
  const { rows, retry, cancel } = useFileRows(uppy);
  const onTarget = useCallback((next: ImportTarget | undefined) => setTarget(next), []);

  return (
    <div className="uploader">
      <TargetPicker onChange={onTarget} />
      <UploadPanel uppy={uppy} target={target} notes={notes} />
      <StatusList rows={rows} onRetry={(row) => void retry(row)} onCancel={(row) => void cancel(row)} />
    </div>
  );
}
