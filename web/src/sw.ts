// The page's service worker, served unhashed at /sw.js (a worker's URL must stay the same across
// releases). Golden Retriever's worker keeps selected files in memory for as long as the browser
// runs it, so a reload can restore files even where IndexedDB refused them.
import '@uppy/golden-retriever/lib/ServiceWorker.js';
