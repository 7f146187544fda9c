import { useCallback, useRef, useState } from 'react';
import { GraphqlError } from '../api/graphql.js';
import type { ImportTarget } from '../api/operations.js';
import { formatBytes } from '../format/units.js';
import { useJobRows } from '../status/job-rows.js';
import { StatusList } from '../status/status-list.js';
import { TargetPicker } from '../targets/target-picker.js';
import { ServerBrowser } from './server-browser.js';
import { importServerFiles, useServerFolder, type ServerFile } from './server-folder.js';

/** What to do after importServerFiles refused, by the server's error code. */
function importAdvice(code: string | undefined): string {
  switch (code) {
    case 'NOT_FOUND':
      return 'It may have been moved or deleted: the folder has been read again, choose from what it lists now.';
    case 'FORBIDDEN':
      return 'Choose another dataset or screen, or files from what the import folder lists.';
    case 'BAD_USER_INPUT':
      return 'Choose files only (open a folder to choose the files in it).';
    default:
      return 'Nothing was imported. Try again; if it keeps happening, tell your administrator.';
  }
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * The in-place importer, shown instead of the uploader while the `newUploader` flag is off:
 * files already on the server, in its import folder, are imported where they lie, into the
 * target of step 1, and followed on the same status rows as uploads.
 */
export default function InPlacePage() {
  const [target, setTarget] = useState<ImportTarget | undefined>();
  const onTarget = useCallback((next: ImportTarget | undefined) => setTarget(next), []);
  const folder = useServerFolder();
  const { rows, add, retry, cancel } = useJobRows();
  const [selected, setSelected] = useState(new Map<string, ServerFile>());
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const problemRef = useRef<HTMLDivElement>(null);
  const [opened, setOpened] = useState(false);
  if (folder.listing.state !== 'loading' && !opened) setOpened(true);

  const { listing, trail } = folder;
  if (listing.state === 'error' && listing.code === 'NOT_FOUND' && trail.length === 0) return <NotSetUp />;
  if (!opened) return <p role="status">Opening the import folder…</p>;

  const onSelect = (files: ServerFile[], chosen: boolean) => {
    setProblem(undefined);
    setDone(undefined);
    setSelected((current) => {
      const next = new Map(current);
      for (const file of files) {
        if (chosen) next.set(file.path, file);
        else next.delete(file.path);
      }
      return next;
    });
  };

  const fail = (message: string) => {
    setProblem(message);
    // The message replaces the button's effect: take the reader there.
    requestAnimationFrame(() => problemRef.current?.focus());
  };

  const runImport = async () => {
    setDone(undefined);
    if (!target) return fail('Choose where the images go (step 1) first.');
    if (selected.size === 0) return fail('Select at least one file in the import folder first.');
    setBusy(true);
    setProblem(undefined);
    try {
      const jobs = await importServerFiles([...selected.keys()], target);
      add(jobs.map((job) => ({ job, name: job.serverPath ?? job.fileName })));
      setSelected(new Map());
      setDone(
        `${plural(jobs.length, 'file')} queued for import: follow ${jobs.length === 1 ? 'it' : 'them'} in step 3.`,
      );
    } catch (error) {
      const code = error instanceof GraphqlError ? error.code : undefined;
      if (code === 'NOT_FOUND') folder.reload();
      fail(`${(error as Error).message} ${importAdvice(code)}`);
    } finally {
      setBusy(false);
    }
  };

  const selectedBytes = [...selected.values()].reduce((sum, file) => sum + (file.sizeBytes ?? 0), 0);
  return (
    <div className="uploader in-place">
      <TargetPicker onChange={onTarget} />
      <section className="server-files" aria-labelledby="server-files-heading">
        <h2 id="server-files-heading">2. Choose files on the server</h2>
        <p className="rules">
          These files are already on the server, in its import folder. They are imported where they are: nothing is
          uploaded, moved or copied.
        </p>
        <ServerBrowser
          trail={trail}
          listing={listing}
          selected={selected}
          onOpen={(opened) => {
            setDone(undefined);
            folder.open(opened);
          }}
          onGoUp={(depth) => {
            setDone(undefined);
            folder.goUp(depth);
          }}
          onReload={folder.reload}
          onSelect={onSelect}
        />
        <div className="import-bar">
          <p className="selection">
            <span aria-live="polite">
              {selected.size === 0
                ? 'No files selected.'
                : `${plural(selected.size, 'file')} selected (${formatBytes(selectedBytes)}).`}
            </span>
            {selected.size > 0 && (
              <button type="button" className="link" onClick={() => setSelected(new Map())}>
                Clear the selection
              </button>
            )}
          </p>
          {!target && <p className="notice">Choose where the images go (step 1) before you import.</p>}
          <button type="button" className="import" disabled={busy} onClick={() => void runImport()}>
            {busy ? 'Importing…' : selected.size > 1 ? `Import ${selected.size} files` : 'Import'}
          </button>
        </div>
        {problem && (
          <div className="error" role="alert" tabIndex={-1} ref={problemRef}>
            <p>{problem}</p>
          </div>
        )}
        {done && (
          <p className="done" role="status">
            {done}
          </p>
        )}
      </section>
      <StatusList
        rows={rows}
        onRetry={(row) => void retry(row)}
        onCancel={(row) => void cancel(row)}
        empty="No files yet. Files you import above appear here until they are in OMERO."
      />
    </div>
  );
}

/** IMPORT_ROOT is unset: nothing to browse, and nothing the user did wrong. */
function NotSetUp() {
  return (
    <section className="not-set-up" aria-labelledby="not-set-up-heading">
      <h2 id="not-set-up-heading" tabIndex={-1}>
        Importing from the server is not set up here
      </h2>
      <p>
        Your administrator has switched this site from uploading files in the browser to importing files that are
        already on the server. But this server has no import folder configured yet, so there is nothing to import from.
      </p>
      <p>
        Nothing is wrong with your account or your files. Ask your administrator to set up the import folder (the{' '}
        <code>IMPORT_ROOT</code> setting), or to switch the web uploader back on: this page shows it again by itself.
        Once the import folder is set up, reload this page.
      </p>
    </section>
  );
}
