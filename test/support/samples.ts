import { dirname, join } from 'node:path';

/** The sample images under test/fixtures/samples. */
export const SAMPLES = join(dirname(dirname(new URL(import.meta.url).pathname)), 'fixtures', 'samples');
