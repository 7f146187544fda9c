import { All, Controller, Options, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Metadata } from '@tus/utils';
import { Public } from '../auth/decorators.js';
import { displayName } from './file-name.js';
import { UploadsService } from './uploads.service.js';
import { TusServerService } from './tus-server.service.js';

const TUS_VERSION = '1.0.0';

/**
 * Checks @tus/server answers differently from the tus 1.0.0 specification: an unsupported
 * Tus-Resumable is 412 with Tus-Version (the library says 400), a PATCH that is not
 * application/offset+octet-stream is 415 (400 or 403 there). And a declared Upload-Length
 * over the limit is refused here, naming both sizes, before a byte of the body is read.
 */
function protocolError(request: Request, uploads: UploadsService): [number, string] | undefined {
  const resumable = request.headers['tus-resumable'];
  if (resumable !== TUS_VERSION) {
    return [
      412,
      resumable
        ? `Tus-Resumable ${resumable} is not supported; this server speaks tus ${TUS_VERSION}.`
        : `Tus-Resumable: ${TUS_VERSION} is required.`,
    ];
  }
  if (request.method === 'PATCH' && request.headers['content-type'] !== 'application/offset+octet-stream') {
    return [415, 'A PATCH must have Content-Type: application/offset+octet-stream.'];
  }
  const length = request.headers['upload-length'];
  if (request.method === 'POST' && typeof length === 'string' && /^\d+$/.test(length)) {
    const tooLarge = uploads.sizeProblem(Number(length), fileNameIn(request.headers['upload-metadata']));
    if (tooLarge) return [413, tooLarge];
  }
  return undefined;
}

/** The file name from Upload-Metadata, if it is well formed; tus reports it otherwise. */
function fileNameIn(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  try {
    const name = Metadata.parse(header).filename;
    return name ? displayName(name) : undefined;
  } catch {
    return undefined;
  }
}

@Controller('api/uploads')
export class TusController {
  constructor(
    private readonly tus: TusServerService,
    private readonly uploads: UploadsService,
  ) {}

  /** CORS preflight carries no credentials. */
  @Options(['', '*path'])
  @Public()
  preflight(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.tus.handle(request, response);
  }

  @All(['', '*path'])
  handle(@Req() request: Request, @Res() response: Response): Promise<void> | void {
    const error = protocolError(request, this.uploads);
    if (!error) return this.tus.handle(request, response);
    const [status, message] = error;
    response
      .status(status)
      .set({ 'Tus-Resumable': TUS_VERSION, 'Tus-Version': TUS_VERSION, 'Content-Type': 'text/plain; charset=utf-8' });
    // The body of a refused request is not read; close the connection rather than drain it.
    if (request.method === 'POST' || request.method === 'PATCH') response.set('Connection', 'close');
    response.send(`${message}\n`);
  }
}
