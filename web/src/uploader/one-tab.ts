import { useSyncExternalStore } from 'react';

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

let turn: UploaderTurn = 'asking';
let granted: Promise<void> | undefined;
const listeners = new Set<() => void>();

function setTurn(next: UploaderTurn): void {
  turn = next;
  for (const listener of listeners) listener();
}

/** Resolves once this tab holds the lock; asks for it once per page. */
export function uploaderTurn(): Promise<void> {
  granted ??= new Promise<void>((resolve) => {
    const holdForever = () => {
      setTurn('held');
      resolve();
      return new Promise<never>(() => undefined);
    };
    // No Web Locks (a page served over plain HTTP to another machine is not a secure context),
    // or a browser that refuses the lock (an opaque origin, say): every tab uploads, as before.
    const uploadAnyway = () => void holdForever();
    const locks = 'locks' in navigator ? navigator.locks : undefined;
    if (!locks) return uploadAnyway();
    locks
      .request(UPLOADS_LOCK, { ifAvailable: true }, (lock) => {
        if (lock) return holdForever();
        setTurn('waiting');
        locks.request(UPLOADS_LOCK, holdForever).catch(uploadAnyway);
        return undefined;
      })
      .catch(uploadAnyway);
  });
  return granted;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  void uploaderTurn();
  return () => {
    listeners.delete(listener);
  };
}

/** Where this tab stands: asking for the lock, waiting for another tab to close, or holding it. */
export function useUploaderTurn(): UploaderTurn {
  return useSyncExternalStore(subscribe, () => turn);
}
