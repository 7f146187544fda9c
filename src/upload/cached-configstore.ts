import type { Configstore } from '@tus/file-store';
import type { Upload } from '@tus/utils';

const MAX_ENTRIES = 10_000;

/**
 * tus reads an upload's JSON record from disk on every request (four file-system calls).
 * Once its length is known the record never changes, so it is kept in memory from then on.
 * A record deleted by another instance is still noticed: its bytes are gone too.
 */
export class CachedConfigstore implements Configstore {
  private readonly cache = new Map<string, Upload>();

  constructor(private readonly inner: Configstore) {}

  async get(key: string): Promise<Upload | undefined> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const value = await this.inner.get(key);
    if (value?.size !== undefined) this.remember(key, value);
    return value;
  }

  async set(key: string, value: Upload): Promise<void> {
    this.cache.delete(key);
    await this.inner.set(key, value);
    if (value.size !== undefined) this.remember(key, value);
  }

  async delete(key: string): Promise<void> {
    this.cache.delete(key);
    await this.inner.delete(key);
  }

  list(): Promise<string[]> {
    return this.inner.list!();
  }

  private remember(key: string, value: Upload): void {
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, value);
  }
}
