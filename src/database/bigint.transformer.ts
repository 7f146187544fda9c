import type { ValueTransformer } from 'typeorm';

/**
 * PostgreSQL bigint arrives from pg as a string. Byte counts stay below 2^53 (8 PiB), so a
 * JavaScript number holds them exactly.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
