/**
 * Lint for what the type checker cannot see: import cycles and imports that point up the
 * layering, plus typescript-eslint's recommended rules (without type information, so a full run
 * stays in seconds rather than minutes).
 *
 * Layering of `src/`, lowest first. A folder may import its own layer's lower members and any
 * lower layer, never a higher one:
 *
 *   1. foundation: `environment/` and `logging/` (import no other folder of src/), then
 *      `database/`, `pubsub/`, `common/`, `http-security/`. They know nothing of any feature:
 *      a feature that needs special handling in them registers it (an AppError code, a provider),
 *      it is never special-cased by name down here.
 *   2. `auth/`: users, tokens and the guards every other feature uses.
 *   3. `config/`, `analytics/`, `omero/`: features on auth, independent of one another.
 *   4. `upload/`: uses config and analytics.
 *   5. `import/`: runs the uploads into OMERO, so it uses upload and omero.
 *   6. `graphql/`, `health/`: app-wide transport and probes over the features.
 *   7. the composition roots `app.module.ts`, `app.factory.ts`, `main.ts`, which nothing imports
 *      (the migration runner reads `ormconfig.ts`, which lists entities and migrations only).
 *
 * `import-x/no-cycle` forbids cycles anywhere, also inside a folder (e.g. between an adapter and
 * the store it is handed): types both sides need live in a file of their own.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const src = (folder) => `./src/${folder}`;
const roots = ['./src/app.module.ts', './src/app.factory.ts', './src/main.ts'];
const features = ['auth', 'config', 'analytics', 'omero', 'upload', 'import', 'graphql', 'health'];

/** `target` may not import any of `forbidden` (folders of src/ or the roots). */
const zone = (target, forbidden, message) => ({
  target: src(target),
  from: forbidden.map((f) => (f.startsWith('./') ? f : src(f))),
  message,
});

const layering = [
  zone(
    'environment',
    ['logging', 'database', 'pubsub', 'common', 'http-security', ...features, ...roots],
    'environment/ is the bottom layer: it imports no other folder of src/.',
  ),
  zone(
    'logging',
    ['environment', 'database', 'pubsub', 'common', 'http-security', ...features, ...roots],
    'logging/ is the bottom layer: it imports no other folder of src/.',
  ),
  ...['database', 'pubsub', 'common', 'http-security'].map((folder) =>
    zone(
      folder,
      [...features, ...roots],
      `${folder}/ is foundation: it must not import a feature; let the feature register what it needs.`,
    ),
  ),
  zone(
    'auth',
    ['config', 'analytics', 'omero', 'upload', 'import', 'graphql', 'health', ...roots],
    'auth/ sits below every other feature.',
  ),
  ...['config', 'analytics', 'omero'].map((folder) =>
    zone(
      folder,
      [
        ...['config', 'analytics', 'omero'].filter((f) => f !== folder),
        'upload',
        'import',
        'graphql',
        'health',
        ...roots,
      ],
      `${folder}/ may use auth/ and the foundation only.`,
    ),
  ),
  // The adapters are handed the session store and lock; the store must not know the adapters.
  // (no-cycle ignores type-only imports, so this zone is what keeps the two folders acyclic.)
  zone(
    'omero/sessions',
    ['omero/adapters'],
    'omero/sessions/ must not import the adapters: share types through omero/sessions/.',
  ),
  zone(
    'upload',
    ['omero', 'import', 'graphql', 'health', ...roots],
    'upload/ must not depend on the import or OMERO side.',
  ),
  zone('import', ['graphql', 'health', ...roots], 'import/ must not import the app-wide transport or the roots.'),
  zone('graphql', ['health', ...roots], 'graphql/ must not import the roots.'),
  zone('health', ['graphql', ...roots], 'health/ must not import the roots.'),
];

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses the files an import leads to itself: without a parser for .ts it cannot walk
      // this tree's graph and finds no cycle at all (test/lint-rules.e2e-spec.ts checks it does).
      'import-x/extensions': ['.ts', '.tsx', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.mts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['./tsconfig.json', './web/tsconfig.json', './admin/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layering }],
      // Leading underscores mark parameters a signature needs but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The web and admin apps run in browsers (and their Web Workers), not in Node.
  {
    files: ['web/src/**/*.{ts,tsx}', 'admin/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
);
