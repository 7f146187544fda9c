/**
 * Golden Retriever's service worker: built from src/sw.ts to /sw.js; under `npm run dev:web`
 * Vite serves the source itself (with `Service-Worker-Allowed: /`, as its folder is not `/`).
 */
const SERVICE_WORKER_URL = import.meta.env.DEV ? '/src/sw.ts' : '/sw.js';

/** Registers the worker for the whole origin; the page works without it (IndexedDB keeps files). */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register(SERVICE_WORKER_URL, { type: 'module', scope: '/' }).catch((error: unknown) => {
    console.warn('The service worker could not be registered; files are still kept in IndexedDB.', error);
  });
}

/**
 * Whether the worker controls this page now. Golden Retriever waits for a controller before it
 * stores or lists anything there, restoring included: a page loaded without one (the very first
 * visit, or a reload that bypassed the cache) must not use it, or restoring would wait forever.
 */
export function serviceWorkerInControl(): boolean {
  return 'serviceWorker' in navigator && navigator.serviceWorker.controller !== null;
}
