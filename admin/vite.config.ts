import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
// `npm run dev:admin` forwards the API to an app already running (`npm start`), by default on
// its usual address; API_URL points elsewhere.
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  // The app serves this build at `/admin`; hashed file names under /admin/assets are cached for a year.
  base: '/admin/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The page's CSP allows scripts from this origin only: never inline the module preload
    // helper or small assets as scripts.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      // MUI marks its modules 'use client' for React Server Components, which a browser bundle
      // has no use for: the warning for each of them would bury any that matters.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5174,
    strictPort: false,
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/graphql': { target: api, changeOrigin: true, ws: true },
    },
  },
});
