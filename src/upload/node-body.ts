import type { Server } from '@tus/server';
import { ERRORS, StreamLimiter, type CancellationContext, type DataStore, type Upload } from '@tus/utils';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import { coalesceReads } from './read-coalescing.js';

/**
 * @tus/server 2 wraps each Node request in a web ReadableStream and its handlers turn it back
 * into a Node stream (Readable.toWeb then Readable.fromWeb), which copies every chunk on
 * Node 20: measured here as a large share of the server's CPU per uploaded byte. This hands the
 * handlers the Node request itself. It reaches into two internals, pinned by the ~2.4 range in
 * package.json and checked at start-up (`streamNodeBodies` throws if they are gone), and the
 * whole upload suite runs through it.
 */

const NODE_BODY = Symbol('omero-uploader.nodeBody');
type NodeBody = { [NODE_BODY]: IncomingMessage };

/** A request whose `body` carries the Node stream instead of a web stream made from it. */
class NodeBodyRequest extends NodeRequest {}
Object.defineProperty(NodeBodyRequest.prototype, 'body', {
  get(this: NodeBodyRequest) {
    if (this.method === 'GET' || this.method === 'HEAD') return null;
    return { [NODE_BODY]: (this.runtime!.node as { req: IncomingMessage }).req } satisfies NodeBody;
  },
});

type WriteToStore = (
  body: unknown,
  upload: Upload,
  maxFileSize: number,
  context: CancellationContext,
) => Promise<number>;

/**
 * The handlers' writeToStore for a Node body, with the library's semantics: the bytes go
 * through a size limiter into the store; a client that disconnects ends the write with the
 * bytes received so far (tus resumes from there); a request asked to release its lock ends
 * the same way. A creation's failed body is shown to `onFailure`.
 */
function nodeWriteToStore(
  this: { store: DataStore },
  original: WriteToStore,
  onFailure?: CreationBodyFailed,
): WriteToStore {
  return async (body, upload, maxFileSize, context) => {
    if (!onFailure) return writeNodeBody.call(this, original, body, upload, maxFileSize, context);
    try {
      return await writeNodeBody.call(this, original, body, upload, maxFileSize, context);
    } catch (error) {
      throw (await onFailure(upload.id, error)) ?? error;
    }
  };
}

async function writeNodeBody(
  this: { store: DataStore },
  original: WriteToStore,
  ...[body, upload, maxFileSize, context]: Parameters<WriteToStore>
): Promise<number> {
  const source = (body as NodeBody | null)?.[NODE_BODY];
  if (!source) return original.call(this, body, upload, maxFileSize, context);
  if (context.signal.aborted) throw ERRORS.ABORTED;

  // One stage both limits the size and, on abort, lets the write end with the bytes so far.
  const limiter = new StreamLimiter(maxFileSize);
  let sourceError: unknown;
  source.on('error', (error) => {
    sourceError = error;
    source.unpipe(limiter);
    if (!context.signal.aborted) limiter.destroy(error);
  });
  const onAbort = () => {
    source.unpipe(limiter);
    if (!limiter.destroyed) limiter.end();
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  // Without a Content-Length (chunked), the body's end is unknown: no read counts as its last MiB.
  const stopCoalescing = coalesceReads(source, limiter, Number(source.headers['content-length']) || Infinity);
  try {
    return await this.store.write(source.pipe(limiter), upload.id, upload.offset);
  } catch (error) {
    source.unpipe(limiter);
    const aborted = sourceError !== undefined || (error instanceof Error && error.name === 'AbortError');
    throw aborted ? ERRORS.ABORTED : error;
  } finally {
    stopCoalescing();
    context.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Hears why the body of a creation (creation-with-upload) failed, and may answer with another
 * error: its client got no Location, so it cannot resume that upload and will start anew.
 */
export type CreationBodyFailed = (uploadId: string, error: unknown) => Promise<unknown>;

/** Installs the Node-body write on the handlers that receive bytes (POST and PATCH). */
export function streamNodeBodies(server: Server, creationBodyFailed?: CreationBodyFailed): void {
  for (const method of ['POST', 'PATCH'] as const) {
    const handler = server.handlers[method] as unknown as { store: DataStore; writeToStore?: WriteToStore };
    if (typeof handler.writeToStore !== 'function' || !handler.store) {
      throw new Error(
        `@tus/server's ${method} handler no longer has writeToStore: check node-body.ts against this version`,
      );
    }
    const onFailure = method === 'POST' ? creationBodyFailed : undefined;
    handler.writeToStore = nodeWriteToStore.call(handler, handler.writeToStore, onFailure);
  }
}

/** Server.handle, but with requests whose bodies stay Node streams. */
export async function handleWithNodeBody(server: Server, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = new NodeBodyRequest({ req, res });
  const response = await (server as unknown as { handler(request: Request): Promise<Response> }).handler(request);
  await sendNodeResponse(res, response);
}
