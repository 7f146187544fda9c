/**
 * The only variables of the service's environment the importer gets: what a shell, Python and
 * Java need to run, and what omero-py itself reads (its user folder, session store and
 * temporary folder, Ice's configuration). Named one by one, never by a deny-list, so that a
 * secret added to the service later (a key, a database URL) never reaches the importer.
 */
const PASSED_VARIABLES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'LD_LIBRARY_PATH',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'JAVA_HOME',
  'JAVA_OPTS',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONUSERBASE',
  'PYTHONIOENCODING',
  'PYTHONUTF8',
  'PYTHONDONTWRITEBYTECODE',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'OMERO_USERDIR',
  'OMERO_TMPDIR',
  'ICE_CONFIG',
]);
/** Locale categories (LC_ALL, LC_CTYPE, …): harmless, and Python's text encoding follows them. */
const PASSED_PREFIXES = ['LC_'];

/** The allow-listed part of `source`, for the importer's environment. */
export function importerEnvironment(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (PASSED_VARIABLES.has(name) || PASSED_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  return env;
}
