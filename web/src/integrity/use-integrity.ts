import { useEffect, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { uploadIdOf, type UploaderFile, type UploaderUppy } from '../uploader/create-uppy.js';
import { onUppyEvents } from '../uploader/uppy-events.js';
import { HashingUnavailable, sha256InTurn } from './hash-file.js';
import { paceHashingToUploads } from './hash-pacing.js';
import { UPLOAD_SHA256, type UploadSha256 } from './integrity-queries.js';

export type Integrity =
  /** The file's sha256 is being computed while it uploads. */
  | { status: 'hashing' }
  /**
   * Uploaded: comparing with the server's copy; `read` (0 to 1) while this computer is still
   * reading its own copy (the hash may finish after the upload: hash-pacing.ts).
   */
  | { status: 'checking'; read?: number }
  | { status: 'verified'; sha256: string }
  | { status: 'mismatch'; local: string; server: string }
  /** This browser could not hash the file, or the server's sum could not be read. */
  | { status: 'unavailable'; reason: string };

/** Waits between readings of the server's sha256, which may lag a moment behind tus's answer. */
const SERVER_WAITS_MS = [0, 500, 1000, 2000, 4000, 8000];

/**
 * The server's sha256 of a completed upload; undefined when the upload will never have one
 * (refused, cancelled). A completion still being written is asked again a few times.
 */
async function serverSha256(uploadId: string): Promise<string | undefined> {
  for (const wait of SERVER_WAITS_MS) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const { upload } = await graphql<{ upload: UploadSha256 | null }>(UPLOAD_SHA256, { id: uploadId });
    if (upload?.sha256) return upload.sha256;
    if (!upload || upload.status !== 'UPLOADING') return undefined;
  }
  throw new Error('The server has not finished its checksum yet.');
}

const UNAVAILABLE = 'this browser could not compute the file’s checksum';

/**
 * End-to-end integrity per file (by Uppy file id): each file's sha256 is computed in a worker
 * while it uploads (paced on machines with few cores: hash-pacing.ts), then compared with the
 * sha256 the server computed of the bytes it received. A mismatch means the bytes were changed on the way (a faulty proxy, memory or
 * disk), which neither tus nor TCP would notice.
 */
export function useIntegrity(uppy: UploaderUppy): Record<string, Integrity> {
  const [states, setStates] = useState<Record<string, Integrity>>({});

  useEffect(() => {
    interface Hash {
      sha256: Promise<string>;
      stop: AbortController;
      /** How much of the file is hashed so far, 0 to 1. */
      read?: number;
      settled?: boolean;
      /** Uploaded while the hash still runs: the row shows how much of the file is read. */
      waiting?: boolean;
    }
    const hashes = new Map<string, Hash>();
    const set = (fileId: string, state: Integrity | undefined) =>
      setStates((current) => {
        const next = { ...current };
        if (state) next[fileId] = state;
        else delete next[fileId];
        return next;
      });

    const hashOf = (file: UploaderFile): Hash => {
      let hash = hashes.get(file.id);
      if (!hash) {
        const stop = new AbortController();
        const { id, data } = file;
        const onProgress = (hashed: number) => {
          const current = hashes.get(id);
          if (!current) return;
          current.read = hashed / (data as Blob).size;
          if (current.waiting) set(id, { status: 'checking', read: current.read });
        };
        // A file restored without its bytes (a "ghost") cannot be read until re-selected.
        const sha256 =
          data instanceof Blob
            ? sha256InTurn(data, { signal: stop.signal, onProgress })
            : Promise.reject(new HashingUnavailable('The file’s bytes are not in this browser.'));
        const created: Hash = { sha256, stop };
        sha256
          .catch(() => undefined)
          .finally(() => {
            created.settled = true;
            created.waiting = false;
          });
        hash = created;
        hashes.set(id, hash);
      }
      return hash;
    };

    const onStart = (files: UploaderFile[]) => {
      for (const file of files) {
        if (hashes.has(file.id)) continue;
        set(file.id, { status: 'hashing' });
        hashOf(file).sha256.catch((error: Error) => {
          if (error instanceof HashingUnavailable) set(file.id, { status: 'unavailable', reason: UNAVAILABLE });
        });
      }
    };

    const onSuccess = (file: UploaderFile | undefined, response: { uploadURL?: string }) => {
      const uploadId = file && uploadIdOf(response.uploadURL ?? file.tus?.uploadUrl);
      if (!file || !uploadId) return;
      const hash = hashOf(file);
      hash.waiting = !hash.settled;
      set(file.id, { status: 'checking', read: hash.settled ? undefined : (hash.read ?? 0) });
      void (async () => {
        let local: string;
        try {
          local = await hash.sha256;
        } catch (error) {
          if (error instanceof HashingUnavailable) set(file.id, { status: 'unavailable', reason: UNAVAILABLE });
          return;
        }
        set(file.id, { status: 'checking' });
        let server: string | undefined;
        try {
          server = await serverSha256(uploadId);
        } catch (error) {
          set(file.id, {
            status: 'unavailable',
            reason: `the server’s checksum could not be read (${(error as Error).message})`,
          });
          return;
        }
        if (!server) return set(file.id, undefined);
        set(file.id, local === server ? { status: 'verified', sha256: local } : { status: 'mismatch', local, server });
      })();
    };

    const onRemoved = (file: UploaderFile) => {
      hashes.get(file.id)?.stop.abort();
      hashes.delete(file.id);
      set(file.id, undefined);
    };

    const stopPacing = paceHashingToUploads(uppy);
    const stop = onUppyEvents(uppy, [
      ['upload-start', onStart],
      ['upload-success', onSuccess],
      ['file-removed', onRemoved],
    ]);
    return () => {
      stop();
      stopPacing();
      for (const hash of hashes.values()) hash.stop.abort();
    };
  }, [uppy]);

  return states;
}
