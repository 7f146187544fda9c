/**
 * The rules of the OMERO_* variables, part of the Environment (`Environment.omero`): here, and
 * not in the OMERO adapter, so that the boot check and the adapter read one result and the
 * environment depends on no feature. The adapter's options extend OmeroEnvironment with what
 * the app wires in (session store, lock, logger).
 */

/** What the OMERO_* variables say, validated. */
export interface OmeroEnvironment {
  /** OMERO.web, e.g. https://omero.example.org */
  webUrl: string;
  /** The OMERO server the importer connects to. */
  host: string;
  port: number;
  cliPath: string;
  importMode: 'session' | 'sudo';
  sudoUser?: string;
  sudoPassword?: string;
  /** Per JSON API request. */
  requestTimeoutMs: number;
}

/** The optional variables that name a real OMERO server. */
export const OMERO_VARIABLES = [
  'OMERO_WEB_URL',
  'OMERO_HOST',
  'OMERO_PORT',
  'OMERO_CLI',
  'OMERO_IMPORT_MODE',
  'OMERO_SUDO_USER',
  'OMERO_SUDO_PASSWORD',
  'OMERO_TIMEOUT_SECONDS',
] as const;

export class OmeroConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid OMERO configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'OmeroConfigError';
  }
}

/**
 * The OMERO settings from the environment: null when OMERO_WEB_URL is unset (no OMERO, so the
 * sandbox), otherwise validated, throwing one error that lists every problem. Empty strings
 * count as unset. OMERO_HOST defaults to OMERO.web's host name, OMERO_IMPORT_MODE to 'session'
 * (it needs no administrator password), OMERO_TIMEOUT_SECONDS (per JSON API request) to 30.
 */
export function omeroOptionsFromEnv(env: Record<string, string | undefined>): OmeroEnvironment | null {
  const read = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const webUrl = read('OMERO_WEB_URL');
  if (!webUrl) return null;
  const problems: string[] = [];
  const webHost = urlHost(webUrl);
  if (webHost === null) {
    problems.push(`OMERO_WEB_URL must be an http or https URL such as https://omero.example.org (got "${webUrl}")`);
  }
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max))
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return value;
  };
  const port = integer('OMERO_PORT', 4064, 1, 65535);
  const timeoutSeconds = integer('OMERO_TIMEOUT_SECONDS', 30, 1, 3600);
  const importMode = read('OMERO_IMPORT_MODE') ?? 'session';
  if (importMode !== 'session' && importMode !== 'sudo') {
    problems.push(`OMERO_IMPORT_MODE must be "session" or "sudo" (got "${importMode}")`);
  }
  const sudoUser = read('OMERO_SUDO_USER');
  const sudoPassword = env.OMERO_SUDO_PASSWORD || undefined;
  if (importMode === 'sudo' && !sudoUser) problems.push('OMERO_SUDO_USER is required when OMERO_IMPORT_MODE=sudo');
  if (importMode === 'sudo' && !sudoPassword)
    problems.push('OMERO_SUDO_PASSWORD is required when OMERO_IMPORT_MODE=sudo');
  if (problems.length > 0) throw new OmeroConfigError(problems);
  return {
    webUrl,
    host: read('OMERO_HOST') ?? webHost!,
    port,
    cliPath: read('OMERO_CLI') ?? 'omero',
    importMode: importMode as 'session' | 'sudo',
    sudoUser,
    sudoPassword,
    requestTimeoutMs: timeoutSeconds * 1000,
  };
}

function urlHost(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.hostname : null;
  } catch {
    return null;
  }
}
