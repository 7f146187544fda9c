import Uppy, { type Body, type Meta, type UppyEventMap } from '@uppy/core';

/** How often, at most, one file's upload progress reaches Uppy's state and the views of it. */
export const PROGRESS_INTERVAL_MS = 1000;

type ProgressArgs<M extends Meta, B extends Body> = Parameters<UppyEventMap<M, B>['upload-progress']>;

/**
 * Uppy that passes each file's `upload-progress` on at most every PROGRESS_INTERVAL_MS: the
 * first report at once, then the latest one at the end of each interval.
 *
 * Why: Chromium reports an upload's progress about twenty times a second per request, and each
 * report set Uppy's state, which re-rendered the Dashboard and the page's rows and restarted
 * their progress animations. On a busy machine that work took a large share of the CPU the
 * upload itself needed. Each report still costs a render of the Dashboard and of the rows, a
 * layout and a paint: 15 to 35 ms of the page's main thread on a slow 2-core machine. Once a
 * second, as a file manager's copy does, the percentage, speed and time left stay readable,
 * and a fast upload (where that CPU counts) moves its bars visibly each time.
 *
 * Any other event first passes on the reports held back, so every listener still sees a file's
 * events in their order (its last progress before its success, error or removal).
 */
export class PacedProgressUppy<M extends Meta, B extends Body> extends Uppy<M, B> {
  readonly #held = new Map<string, ProgressArgs<M, B>>();
  readonly #sentAt = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  override emit<T extends keyof UppyEventMap<M, B>>(event: T, ...args: Parameters<UppyEventMap<M, B>[T]>): void {
    // Uppy's constructor emits before this class's fields exist; state updates follow progress.
    if (!(#held in this) || event === 'state-update') return super.emit(event, ...args);
    if (event === 'upload-progress') return this.#pace(args as unknown as ProgressArgs<M, B>);
    this.#flush();
    if (event === 'file-removed') this.#sentAt.delete((args[0] as { id: string }).id);
    super.emit(event, ...args);
  }

  #pace(args: ProgressArgs<M, B>): void {
    const id = args[0]?.id;
    const now = performance.now();
    const sentAt = id === undefined ? undefined : this.#sentAt.get(id);
    if (id === undefined || (!this.#held.has(id) && (sentAt === undefined || now - sentAt >= PROGRESS_INTERVAL_MS))) {
      this.#send(args, now);
      return;
    }
    this.#held.set(id, args);
    this.#timer ??= setTimeout(() => this.#flush(), PROGRESS_INTERVAL_MS - (now - (sentAt ?? now)));
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = [...this.#held.values()];
    this.#held.clear();
    const now = performance.now();
    for (const args of held) this.#send(args, now);
  }

  #send(args: ProgressArgs<M, B>, now: number): void {
    if (args[0]) this.#sentAt.set(args[0].id, now);
    super.emit('upload-progress', ...args);
  }
}
