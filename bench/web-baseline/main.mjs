// The baseline page of bench/web.mjs: the web app's own Uppy (createUppy: its tus options, retry
// delays, parallel uploads and Golden Retriever) with the chunk size given in the URL, sending
// to the bare tus server at /files instead of the app. So the app's page and this one differ in
// the server only. The bare server ignores the Authorization header the client still sends.
/* global document, location */
import { sessionStore } from '../../web/src/session/session-store.ts';
import { applySettings, createUppy } from '../../web/src/uploader/create-uppy.ts';

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

input.addEventListener('change', () => {
  for (const file of input.files) uppy.addFile({ name: file.name, type: file.type, data: file, source: 'Local' });
  say(`${input.files.length} file(s) added`);
});
document.getElementById('start').addEventListener('click', () => void uppy.upload());
uppy.on('upload-success', (file) => say(`uploaded ${file.name}`));
uppy.on('upload-error', (file, error) => say(`failed ${file.name}: ${error.message}`));
