import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuthUser } from '../auth/auth-user.js';
import { isAdmin } from '../auth/auth-user.js';
import { ACCOUNT_DISABLED, ACCOUNT_GONE, AuthService, toAuthUser } from '../auth/auth.service.js';
import { Public } from '../auth/decorators.js';
import { UsersService } from '../auth/users.service.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { OmeroGateway } from '../omero/omero-gateway.port.js';
import { THUMBNAIL_SIZE, ThumbnailLinks } from './thumbnail-links.js';

/**
 * `GET /api/images/<imageId>/thumbnail`: a JPEG (or PNG) of an OMERO image the caller may see,
 * from OMERO.web with the caller's own OMERO session (which never reaches the browser), or
 * drawn by the sandbox. Authenticated by a signed link from GraphQL (`OmeroImage.thumbnailUrl`)
 * or, for scripts, the usual bearer token.
 */
@Controller('api/images')
export class ThumbnailController {
  constructor(
    private readonly links: ThumbnailLinks,
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly gateway: OmeroGateway,
  ) {}

  @Get(':imageId/thumbnail')
  // Public to the guard: a signed link stands in for the bearer token, checked below.
  @Public()
  async thumbnail(
    @Param('imageId') imageId: string,
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const user = await this.caller(imageId, query, request);
    const size = sizeOf(query.size);
    const notFound = new AppError(
      ErrorCode.NOT_FOUND,
      `There is no image ${imageId.slice(0, 20)} that you may see. It may have been deleted, or belong to a group you are not in.`,
    );
    if (!/^\d{1,18}$/.test(imageId)) throw notFound;
    const thumbnail = await this.gateway.renderThumbnail(
      { id: user.id, username: user.username, admin: isAdmin(user) },
      imageId,
      size,
    );
    if (!thumbnail) throw notFound;
    response.status(200).set({
      'Content-Type': thumbnail.contentType,
      // The caller's own view of the image: never kept by shared caches.
      'Cache-Control': 'private, max-age=300',
      'X-Thumbnail': thumbnail.rendered ? 'rendered' : 'placeholder',
    });
    if (Buffer.isBuffer(thumbnail.body)) {
      response.end(thumbnail.body);
      return;
    }
    // A client that goes away ends the stream from OMERO.web too.
    await pipeline(thumbnail.body as Readable, response).catch(() => undefined);
  }

  private async caller(imageId: string, query: Record<string, unknown>, request: Request): Promise<AuthUser> {
    if (query.signature === undefined) return this.auth.authenticateAuthorization(request.headers.authorization);
    const userId = this.links.userOf(imageId, query);
    if (!userId) {
      throw new AppError(
        ErrorCode.UNAUTHENTICATED,
        'This thumbnail link is not valid or has expired: read the thumbnail URL from the API again.',
      );
    }
    // Reloaded like every token: a link of a disabled or deleted user opens nothing.
    const user = await this.users.findIdentity(userId);
    if (!user) throw new AppError(ErrorCode.UNAUTHENTICATED, ACCOUNT_GONE);
    if (user.disabled) throw new AppError(ErrorCode.UNAUTHENTICATED, ACCOUNT_DISABLED);
    return toAuthUser(user, 'access-token');
  }
}

function sizeOf(value: unknown): number {
  if (value === undefined) return THUMBNAIL_SIZE.default;
  const size = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(size >= THUMBNAIL_SIZE.min && size <= THUMBNAIL_SIZE.max)) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `size must be a whole number of pixels from ${THUMBNAIL_SIZE.min} to ${THUMBNAIL_SIZE.max}; leave it out for ${THUMBNAIL_SIZE.default}.`,
    );
  }
  return size;
}
