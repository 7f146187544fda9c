// The baseline page of bench/web.mjs: the web app's own Uppy (createUppy: its tus options, retry
// delays, parallel uploads and Golden Retriever) with the chunk size given in the URL, sending
// to the bare tus server at /files instead of the app, and hashing each file as the app's page
// does (the same worker, paced the same way). So the app's page and this one differ in the
// server and in what they draw: this page shows no progress. The bare server ignores the
// Authorization header the client still sends.
/* global document, location */
import { sessionStore } from '../../web/src/session/session-store.ts';
import { applySettings, createUppy } from '../../web/src/uploader/create-uppy.ts';
import { sha256InTurn } from '../../web/src/integrity/hash-file.ts';
import { paceHashingToUploads } from '../../web/src/integrity/hash-pacing.ts';

const status = document.getElementById('status');
const input = document.getElementById('file');
const say = (text) => (status.textContent = text);

sessionStore.signedIn({ token: 'baseline', username: 'baseline', expiresAt: Date.now() + 24 * 3600_000 });
const uppy = createUppy(say);
applySettings(uppy, {
  allowedExtensions: ['tif'],
  maxFileSizeBytes: Number.MAX_SAFE_INTEGER,
  chunkSizeBytes: Number(new URLSearchParams(location.search).get('chunkSize')),
});
uppy.getPlugin('Tus').setOptions({ endpoint: '/files' });
paceHashingToUploads(uppy);

input.addEventListener('change', () => {
  for (const file of input.files) uppy.addFile({ name: file.name, type: file.type, data: file, source: 'Local' });
  say(`${input.files.length} file(s) added`);
});
document.getElementById('start').addEventListener('click', () => void uppy.upload());
// The bare server keeps no sha256 to compare with: the page says when its own hash is done.
const integrity = document.getElementById('integrity');
uppy.on('upload-start', (files) => {
  for (const file of files)
    sha256InTurn(file.data).then(
      (sha256) => {
        integrity.textContent = sha256;
        integrity.dataset.integrity = 'hashed';
      },
      () => (integrity.dataset.integrity = 'unavailable'),
    );
});
uppy.on('upload-success', (file) => say(`uploaded ${file.name}`));
uppy.on('upload-error', (file, error) => say(`failed ${file.name}: ${error.message}`));
