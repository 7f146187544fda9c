import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
// `npm run dev:web` forwards the API to an app already running (`npm start`), by default on
// its usual address; API_URL points elsewhere.
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  // The app serves this build at `/`; hashed file names under /assets are cached for a year.
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The page's CSP allows scripts from this origin only: never inline the module preload
    // helper or small assets as scripts.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      // Golden Retriever's service worker is a second entry, at a fixed URL (/sw.js): a worker
      // is registered by URL, and a hashed name would leave the old one installed forever.
      input: { index: join(root, 'index.html'), sw: join(root, 'src', 'sw.ts') },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: false,
    // The service worker's source is under /src/ in development, yet it serves the whole site.
    headers: { 'Service-Worker-Allowed': '/' },
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/graphql': { target: api, changeOrigin: true, ws: true },
    },
  },
});
