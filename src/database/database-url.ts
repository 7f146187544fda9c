import type { DataSource } from 'typeorm';

/** The connection URL of the app's DataSource, for parts that open their own connections. */
export function databaseUrlOf(db: DataSource): string {
  return (db.options as { url: string }).url;
}
