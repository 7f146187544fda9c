import type { Page } from 'playwright-core';
import { graphql } from '../support/clients.js';

/** What Golden Retriever has written to IndexedDB for the page's Uppy (id "omero-uploader"). */
export interface KeptState {
  /** The files of its recovery snapshot, with the tus upload URL each was given. */
  files: { id: string; name: string; uploadUrl: string | null }[];
  /** Uploads the snapshot says were running. */
  currentUploads: number;
  /** Keys of the file contents it stored ("omero-uploader!<file id>"). */
  blobs: string[];
  /** Whether the service worker is active for the whole origin. */
  serviceWorkerActive: boolean;
}

/**
 * Reads, in the page, what Golden Retriever has kept so far (its database "uppy-blobs": the
 * "metadata" store holds the snapshot as JSON, "files" the contents). Sent as a string: the
 * tests compile without the DOM's types.
 */
export function keptState(page: Page): Promise<KeptState> {
  return page.evaluate(`(async () => {
    const registration = await navigator.serviceWorker.getRegistration('/');
    const serviceWorkerActive = Boolean(registration && registration.active);
    const empty = { files: [], currentUploads: 0, blobs: [], serviceWorkerActive };
    const databases = await indexedDB.databases();
    if (!databases.some((database) => database.name === 'uppy-blobs' && database.version >= 4)) return empty;
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open('uppy-blobs');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      const transaction = db.transaction(['metadata', 'files'], 'readonly');
      const read = (request) =>
        new Promise((resolve, reject) => {
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const record = await read(transaction.objectStore('metadata').get('omero-uploader'));
      const blobs = await read(transaction.objectStore('files').getAllKeys());
      const metadata = record ? JSON.parse(record.metadata) : { files: {}, currentUploads: {} };
      return {
        files: Object.values(metadata.files || {}).map((file) => ({
          id: file.id,
          name: file.name,
          uploadUrl: (file.tus && file.tus.uploadUrl) || null,
        })),
        currentUploads: Object.keys(metadata.currentUploads || {}).length,
        blobs,
        serviceWorkerActive,
      };
    } finally {
      db.close();
    }
  })()`);
}

/**
 * Whether Golden Retriever has kept all a restore needs of `name`: the snapshot with its upload
 * URL and the running upload, and the file's contents. A user's browser has written these
 * within moments of the upload's start; a test that reloads earlier tests nothing but a race.
 */
export function keeps(state: KeptState, name: string): boolean {
  const file = state.files.find((kept) => kept.name === name);
  return Boolean(
    file?.uploadUrl &&
    state.currentUploads > 0 &&
    state.blobs.includes(`omero-uploader!${file.id}`) &&
    state.serviceWorkerActive,
  );
}

/**
 * Deletes, in the page, the contents Golden Retriever stored for `fileId`, as a browser does that
 * clears or refuses storage: after a restart the file comes back as a name without contents.
 */
export async function forgetContents(page: Page, fileId: string): Promise<void> {
  await page.evaluate(`(async () => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open('uppy-blobs');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      const transaction = db.transaction(['files'], 'readwrite');
      transaction.objectStore('files').delete(${JSON.stringify(`omero-uploader!${fileId}`)});
      await new Promise((resolve, reject) => {
        transaction.oncomplete = resolve;
        transaction.onerror = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  })()`);
}

/** One tus request of the page, with the Upload-Offset it sent, or the one the server answered to a HEAD. */
export interface TusCall {
  method: string;
  url: string;
  offset?: number;
}

/** Records the page's tus requests (POST, HEAD, PATCH) under /api/uploads, in order. */
export function recordTusCalls(page: Page): { calls: TusCall[]; settled(): Promise<TusCall[]> } {
  const calls: TusCall[] = [];
  const pending: Promise<void>[] = [];
  const tus = (url: string) => new URL(url).pathname.startsWith('/api/uploads');
  page.on('request', (request) => {
    if (!tus(request.url()) || !['POST', 'PATCH'].includes(request.method())) return;
    const call: TusCall = { method: request.method(), url: request.url() };
    calls.push(call);
    pending.push(
      request.allHeaders().then((headers) => {
        if (headers['upload-offset'] !== undefined) call.offset = Number(headers['upload-offset']);
      }),
    );
  });
  page.on('response', (response) => {
    const request = response.request();
    if (!tus(request.url()) || request.method() !== 'HEAD') return;
    const call: TusCall = { method: 'HEAD', url: request.url() };
    calls.push(call);
    pending.push(
      response.allHeaders().then((headers) => {
        if (headers['upload-offset'] !== undefined) call.offset = Number(headers['upload-offset']);
      }),
    );
  });
  return {
    calls,
    async settled() {
      await Promise.allSettled(pending);
      return calls;
    },
  };
}

export interface ServerUpload {
  id: string;
  fileName: string;
  offsetBytes: number;
  status: string;
  sha256: string | null;
}

export async function serverUploads(url: string, token: string): Promise<ServerUpload[]> {
  const result = await graphql<{ uploads: ServerUpload[] }>(
    url,
    token,
    '{ uploads { id fileName offsetBytes status sha256 } }',
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.uploads;
}
