import { useEffect, useState } from 'react';

/**
 * The Web Lock that the one tab of this browser that uploads holds for its whole life.
 *
 * Why: Golden Retriever keeps its list of files per browser, not per tab. A second tab would
 * restore the files the first one is sending and take their uploads over, each tab cutting the
 * other's requests short. Only the tab holding this lock creates Uppy; another one waits, and
 * takes over (with the uploads Golden Retriever kept) when the first one closes.
 */
const UPLOADS_LOCK = 'omero-uploader:uploads';

export type UploaderTurn = 'asking' | 'waiting' | 'held';

let granted: Promise<void> | undefined;
let waiting = false;
let held = false;
const listeners = new Set<() => void>();

/** Resolves once this tab holds the lock; asks for it once per page. */
export function uploaderTurn(): Promise<void> {
  granted ??= new Promise<void>((resolve) => {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    // No Web Locks (a page served over plain HTTP to another machine is not a secure context):
    // every tab uploads, as before the lock.
    if (!locks) {
      held = true;
      return resolve();
    }
    const holdForever = () => {
      held = true;
      resolve();
      return new Promise<never>(() => undefined);
    };
    // A browser that refuses the lock (an opaque origin, say) must not leave the page waiting.
    const uploadAnyway = () => void holdForever();
    locks
      .request(UPLOADS_LOCK, { ifAvailable: true }, (lock) => {
        if (lock) return holdForever();
        waiting = true;
        for (const listener of listeners) listener();
        locks.request(UPLOADS_LOCK, holdForever).catch(uploadAnyway);
        return undefined;
      })
      .catch(uploadAnyway);
  });
  return granted;
}

/** Where this tab stands: asking for the lock, waiting for another tab to close, or holding it. */
export function useUploaderTurn(): UploaderTurn {
  const [turn, setTurn] = useState<UploaderTurn>(held ? 'held' : waiting ? 'waiting' : 'asking');
  useEffect(() => {
    let current = true;
    const onWaiting = () => current && setTurn((now) => (now === 'held' ? now : 'waiting'));
    listeners.add(onWaiting);
    if (waiting) onWaiting();
    void uploaderTurn().then(() => current && setTurn('held'));
    return () => {
      current = false;
      listeners.delete(onWaiting);
    };
  }, []);
  return turn;
}
