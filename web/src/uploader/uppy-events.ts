import type { UploaderUppy } from './create-uppy.js';

type EventName = Parameters<UploaderUppy['on']>[0];

/**
 * Listens to several of Uppy's events at once; returns the function that stops listening to
 * them all (an effect's cleanup). Uppy's event map types each handler; here any handler goes,
 * as listening and stopping always go together.
 */
export function onUppyEvents(uppy: UploaderUppy, handlers: [EventName, (...args: never[]) => void][]): () => void {
  for (const [event, handler] of handlers) uppy.on(event, handler as never);
  return () => {
    for (const [event, handler] of handlers) uppy.off(event, handler as never);
  };
}
