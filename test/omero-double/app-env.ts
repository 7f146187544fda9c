import type { FakeOmeroWeb } from './fake-omero-web.js';

/** The app's settings for the double: its OMERO.web, its OMERO server and the fake `omero`. */
export function omeroEnvFor(fake: FakeOmeroWeb, cliPath: string): Record<string, string> {
  return {
    OMERO_WEB_URL: fake.url,
    OMERO_HOST: fake.host,
    OMERO_PORT: String(fake.blitzPort),
    OMERO_CLI: cliPath,
  };
}
