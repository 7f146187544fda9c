import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vite';
import web from '../web/vite.config.js';

/**
 * The web app's build and dev-server settings (no inline scripts, the API forwarded to a
 * running app), for the admin app: served at `/admin`, its dev server on the next port.
 */
const root = dirname(fileURLToPath(import.meta.url));

const config = mergeConfig(web, {
  root,
  // The web app's icon: one file for both apps.
  publicDir: join(root, '..', 'web', 'public'),
  // The app serves this build at `/admin`; hashed file names under /admin/assets are cached for a year.
  base: '/admin/',
  build: {
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      // MUI marks its modules 'use client' for React Server Components, which a browser bundle
      // has no use for: the warning for each of them would bury any that matters.
      onwarn(warning: { code?: string }, warn: (warning: { code?: string }) => void) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { port: 5174 },
});

// The admin app has one entry, its page: the web app's service worker is not part of it.
config.build.rolldownOptions.input = join(root, 'index.html');
config.build.rolldownOptions.output = { entryFileNames: 'assets/[name]-[hash].js' };

export default config;
