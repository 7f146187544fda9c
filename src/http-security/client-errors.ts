import type { Logger } from '@nestjs/common';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCodeOf } from '../common/errors/app-error.js';

/** What Node's HTTP parser refuses before any route sees the request, and what to tell the client. */
function describe(error: NodeJS.ErrnoException): { status: number; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        message:
          'The request headers are too large (at most 16 KiB in all). Send fewer or shorter headers, such as cookies or metadata.',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request took too long to arrive. Send it again.' };
    default:
      return { status: 400, message: 'The request could not be read: it is not valid HTTP.' };
  }
}

/**
 * Answers what Node's HTTP parser refuses (431 for oversized headers, 400 for malformed
 * requests, 408) as the app answers any error: a JSON body {statusCode, code, message}, with
 * `Access-Control-Allow-Origin: *` so that a page on another origin (an uploader sending
 * large tus metadata) can read why, and the security headers. Node's own answer has neither a
 * body nor CORS headers, so a browser's script would see only a network error. The request
 * was never parsed, so its origin is unknown: hence `*`, which is safe for a body that says
 * nothing about anyone.
 */
export function answerClientErrors(server: Server, logger: Pick<Logger, 'warn'>): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's own handler: no answer into a connection whose current answer has begun, which
    // would corrupt it for the client.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, message } = describe(error);
    logger.warn(`refused a request Node could not parse: ${status} (${error.code ?? error.message})`);
    const body = JSON.stringify({ statusCode: status, code: errorCodeOf(status), message });
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Access-Control-Allow-Origin: *',
        'X-Content-Type-Options: nosniff',
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'",
        'X-Frame-Options: DENY',
        'Referrer-Policy: no-referrer',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
