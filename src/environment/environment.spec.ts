import { describe, expect, it } from '@jest/globals';
import { EnvironmentError, loadEnvironment } from './environment.js';

describe('loadEnvironment', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = loadEnvironment({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      DATA_DIR: './data',
      ADMIN_USERNAME: 'admin',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.jwtExpiresInSeconds).toBe(12 * 3600);
  });

  it('treats empty strings as unset', () => {
    expect(loadEnvironment({ PORT: '', DATABASE_URL: '' })).toMatchObject({ PORT: 3000, DATABASE_URL: undefined });
  });

  it('converts numbers and durations', () => {
    const env = loadEnvironment({ PORT: '8080', JWT_EXPIRES_IN: '15m', LOGIN_WINDOW_MINUTES: '5' });
    expect(env.PORT).toBe(8080);
    expect(env.jwtExpiresInSeconds).toBe(900);
    expect(env.LOGIN_WINDOW_MINUTES).toBe(5);
    expect(loadEnvironment({ JWT_EXPIRES_IN: '90' }).jwtExpiresInSeconds).toBe(90);
  });

  it('reads CORS_ORIGINS as a set of origins, none by default, and refuses anything but origins', () => {
    expect(loadEnvironment({}).corsOrigins).toEqual(new Set());
    expect(loadEnvironment({ CORS_ORIGINS: 'https://App.example.org, http://127.0.0.1:5173' }).corsOrigins).toEqual(
      new Set(['https://app.example.org', 'http://127.0.0.1:5173']),
    );
    for (const bad of ['*', 'app.example.org', 'https://app.example.org/path']) {
      expect(refusal({ CORS_ORIGINS: bad }).message).toContain(
        'CORS_ORIGINS must be a comma-separated list of origins',
      );
    }
  });

  it('lists every bad variable in one error, without echoing secrets', () => {
    const { problems, message } = refusal({
      PORT: '-1',
      LOG_LEVEL: 'loud',
      JWT_SECRET: 'tiny-secret',
      NODE_ENV: 'staging',
    });
    expect(problems).toHaveLength(4);
    expect(message).toContain('PORT must not be less than 0 (got "-1")');
    expect(message).toContain('LOG_LEVEL must be one of the following values');
    expect(message).toContain('JWT_SECRET must be at least 32 characters long');
    expect(message).toContain('NODE_ENV must be one of the following values');
    expect(message).not.toContain('tiny-secret');
  });

  it('names no OMERO server by default (the sandbox), and reads OMERO_* into the adapter options', () => {
    expect(loadEnvironment({}).omero).toBeNull();
    const env = loadEnvironment({
      OMERO_WEB_URL: 'https://omero.example.org',
      OMERO_PORT: '14064',
      OMERO_IMPORT_MODE: 'sudo',
      OMERO_SUDO_USER: 'importer',
      OMERO_SUDO_PASSWORD: 'pw-for-sudo',
    });
    expect(env.omero).toMatchObject({
      webUrl: 'https://omero.example.org',
      host: 'omero.example.org',
      port: 14064,
      importMode: 'sudo',
      sudoUser: 'importer',
      sudoPassword: 'pw-for-sudo',
    });
  });

  it('computes the OMERO settings once, at load, so the adapter reads what the boot check validated', () => {
    const env = loadEnvironment({ OMERO_WEB_URL: 'https://omero.example.org' });
    expect(env.omero).not.toBeNull();
    expect(env.omero).toBe(env.omero);
    expect(Object.keys(env)).not.toContain('omero');
  });

  it("lists bad OMERO_* settings with the others, by the adapter's rules, without the password", () => {
    const badOmero = { OMERO_WEB_URL: 'omero.example.org', OMERO_IMPORT_MODE: 'sudo', OMERO_SUDO_PASSWORD: 'pw-9z' };
    const { problems, message } = refusal({ LOG_LEVEL: 'loud', ...badOmero });
    expect(problems).toEqual([
      expect.stringContaining('LOG_LEVEL must'),
      expect.stringContaining('OMERO_WEB_URL must be an http or https URL'),
      'OMERO_SUDO_USER is required when OMERO_IMPORT_MODE=sudo',
    ]);
    expect(message).not.toContain('pw-9z');
  });

  it('requires a real JWT secret in production only', () => {
    expect(() => loadEnvironment({ NODE_ENV: 'production' })).toThrow(
      'JWT_SECRET is required when NODE_ENV=production',
    );
    expect(() => loadEnvironment({ NODE_ENV: 'development' })).not.toThrow();
    expect(loadEnvironment({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).isProduction).toBe(true);
  });
});

/** The error loadEnvironment refuses `source` with. */
function refusal(source: Record<string, string>): EnvironmentError {
  try {
    loadEnvironment(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentError);
    return error as EnvironmentError;
  }
  throw new Error('loadEnvironment accepted it');
}
