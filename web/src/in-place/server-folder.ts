import { useCallback, useEffect, useState } from 'react';
import { GraphqlError, graphql } from '../api/graphql.js';
import { JOB_FIELDS, type ImportJob, type ImportTarget } from '../api/operations.js';

/** A file or folder under the server's import folder, as `serverFiles` lists it. */
export interface ServerFile {
  /** Relative to the import folder, as the server gave it: never built by the page. */
  path: string;
  name: string;
  isDirectory: boolean;
  sizeBytes: number | null;
}

export interface ServerJob extends ImportJob {
  fileName: string;
  serverPath: string | null;
}

const SERVER_FILES =
  'query ServerFiles($path: String!) { serverFiles(path: $path) { path name isDirectory sizeBytes } }';

const IMPORT_SERVER_FILES = `mutation ImportServerFiles($input: ImportServerFilesInput!) {
  importServerFiles(input: $input) { ${JOB_FIELDS} fileName serverPath }
}`;

export type Listing =
  { state: 'loading' } | { state: 'error'; message: string; code?: string } | { state: 'ready'; files: ServerFile[] };

/**
 * Where the user is in the import folder: the folders opened from its top (each one an entry
 * the server listed, so going up is dropping entries, never editing a path), and what the
 * current one holds.
 */
export function useServerFolder() {
  const [trail, setTrail] = useState<ServerFile[]>([]);
  const [listing, setListing] = useState<Listing>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const path = trail.at(-1)?.path ?? '';

  useEffect(() => {
    let current = true;
    setListing({ state: 'loading' });
    graphql<{ serverFiles: ServerFile[] }>(SERVER_FILES, { path }).then(
      ({ serverFiles }) => current && setListing({ state: 'ready', files: serverFiles }),
      (error: Error) =>
        current &&
        setListing({
          state: 'error',
          message: error.message,
          code: error instanceof GraphqlError ? error.code : undefined,
        }),
    );
    return () => {
      current = false;
    };
  }, [path, attempt]);

  return {
    trail,
    listing,
    open: useCallback((folder: ServerFile) => setTrail((opened) => [...opened, folder]), []),
    /** Back to the folder at `depth` (0: the top of the import folder). */
    goUp: useCallback((depth: number) => setTrail((opened) => opened.slice(0, depth)), []),
    reload: useCallback(() => setAttempt((n) => n + 1), []),
  };
}

/** Queues one import job per file, into `target`; the files stay where they are. */
export async function importServerFiles(paths: string[], target: ImportTarget): Promise<ServerJob[]> {
  const { importServerFiles: jobs } = await graphql<{ importServerFiles: ServerJob[] }>(IMPORT_SERVER_FILES, {
    input: { paths, targetType: target.type, targetId: target.id, groupId: target.groupId },
  });
  return jobs;
}
