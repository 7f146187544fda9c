import { useEffect, useId, useRef } from 'react';
import { formatBytes } from '../format/units.js';
import type { Listing, ServerFile } from './server-folder.js';

/** What the user can do about a folder that could not be listed, by the server's error code. */
function folderAdvice(code: string | undefined, atTop: boolean): string {
  switch (code) {
    case 'NOT_FOUND':
      return 'It may have been moved, renamed or deleted on the server. Go up and choose again.';
    case 'FORBIDDEN':
    case 'BAD_USER_INPUT':
      return 'Go back to the top of the import folder and choose from what it lists.';
    case 'SERVICE_UNAVAILABLE':
      return 'Try again in a moment; if it keeps happening, tell your administrator.';
    default:
      return atTop
        ? 'Try again; if it keeps happening, tell your administrator.'
        : 'The server may not be allowed to read this folder: try again, or go up and tell your administrator.';
  }
}

function FolderIcon() {
  return (
    <svg className="folder-icon" viewBox="0 0 20 16" width="20" height="16" aria-hidden="true" focusable="false">
      <path d="M1 2.5A1.5 1.5 0 0 1 2.5 1h5l2 2h8A1.5 1.5 0 0 1 19 4.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 1 13.5z" />
    </svg>
  );
}

/**
 * The import folder as a table: folders open with a button, files are chosen with labelled
 * check boxes (a selection may span folders), and a breadcrumb trail leads back up. After a
 * folder opens, the focus lands on its heading, so keyboard and screen reader users start
 * reading at its contents.
 */
export function ServerBrowser({
  trail,
  listing,
  selected,
  onOpen,
  onGoUp,
  onReload,
  onSelect,
}: {
  trail: ServerFile[];
  listing: Listing;
  selected: Map<string, ServerFile>;
  onOpen: (folder: ServerFile) => void;
  onGoUp: (depth: number) => void;
  onReload: () => void;
  onSelect: (files: ServerFile[], chosen: boolean) => void;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  const folderName = trail.at(-1)?.name ?? 'Import folder';

  // Only after the user moved: at sign-in the focus belongs to step 1.
  useEffect(() => {
    if (moved.current) headingRef.current?.focus();
  }, [trail]);
  const go = (move: () => void) => {
    moved.current = true;
    move();
  };

  return (
    <div className="server-browser">
      {trail.length > 0 && (
        <nav aria-label="Folders from the top of the import folder" className="crumbs">
          <ol>
            {[{ name: 'Import folder', path: '' }, ...trail].map((folder, depth) => (
              <li key={folder.path}>
                {depth === trail.length ? (
                  <span aria-current="location">{folder.name}</span>
                ) : (
                  <button type="button" className="link" onClick={() => go(() => onGoUp(depth))}>
                    {folder.name}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </nav>
      )}
      <h3 className="folder-heading" tabIndex={-1} ref={headingRef}>
        {folderName}
      </h3>
      {listing.state === 'loading' && <p role="status">Opening the folder…</p>}
      {listing.state === 'error' && (
        <div className="error" role="alert">
          <p>
            This folder could not be opened: {listing.message} {folderAdvice(listing.code, trail.length === 0)}
          </p>
          <div className="buttons">
            <button type="button" onClick={onReload}>
              Try again
            </button>
            {trail.length > 0 && (
              <button type="button" className="secondary" onClick={() => go(() => onGoUp(trail.length - 1))}>
                Go up one folder
              </button>
            )}
          </div>
        </div>
      )}
      {listing.state === 'ready' &&
        (listing.files.length === 0 ? (
          <p className="empty">
            {trail.length === 0
              ? 'The import folder is empty. Files your administrator or instrument puts there appear here.'
              : 'This folder is empty.'}
          </p>
        ) : (
          <FileTable
            files={listing.files}
            selected={selected}
            caption={`Contents of ${folderName}`}
            onOpen={(folder) => go(() => onOpen(folder))}
            onSelect={onSelect}
          />
        ))}
    </div>
  );
}

function FileTable({
  files,
  selected,
  caption,
  onOpen,
  onSelect,
}: {
  files: ServerFile[];
  selected: Map<string, ServerFile>;
  caption: string;
  onOpen: (folder: ServerFile) => void;
  onSelect: (files: ServerFile[], chosen: boolean) => void;
}) {
  const id = useId();
  const allRef = useRef<HTMLInputElement>(null);
  const plainFiles = files.filter((file) => !file.isDirectory);
  const chosenHere = plainFiles.filter((file) => selected.has(file.path)).length;
  const all = plainFiles.length > 0 && chosenHere === plainFiles.length;

  useEffect(() => {
    if (allRef.current) allRef.current.indeterminate = chosenHere > 0 && !all;
  }, [chosenHere, all]);

  return (
    <table className="server-files-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col" className="pick">
            {plainFiles.length > 0 && (
              <input
                ref={allRef}
                type="checkbox"
                aria-label="Select all files in this folder"
                checked={all}
                onChange={() => onSelect(plainFiles, !all)}
              />
            )}
          </th>
          <th scope="col">Name</th>
          <th scope="col" className="size">
            Size
          </th>
        </tr>
      </thead>
      <tbody>
        {files.map((file, index) =>
          file.isDirectory ? (
            <tr key={file.path} className="folder">
              <td className="pick" />
              <td>
                <button type="button" className="link folder-link" onClick={() => onOpen(file)}>
                  <FolderIcon />
                  <span>{file.name}</span>
                  <span className="visually-hidden"> (open folder)</span>
                </button>
              </td>
              <td className="size">Folder</td>
            </tr>
          ) : (
            <tr key={file.path} className={selected.has(file.path) ? 'chosen' : undefined}>
              <td className="pick">
                <input
                  id={`${id}-${index}`}
                  type="checkbox"
                  checked={selected.has(file.path)}
                  onChange={(event) => onSelect([file], event.target.checked)}
                />
              </td>
              <td>
                <label htmlFor={`${id}-${index}`}>{file.name}</label>
              </td>
              <td className="size">{file.sizeBytes === null ? '' : formatBytes(file.sizeBytes)}</td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}
