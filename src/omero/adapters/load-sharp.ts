import type sharpModule from 'sharp';

/**
 * sharp (libvips, about 20 MiB of resident memory) is loaded on its first use, not at start: an
 * instance that only receives uploads (APP_ROLE=web, or no import yet) never pays for it.
 */
export const loadSharp = async (): Promise<typeof sharpModule> => (await import('sharp')).default;
