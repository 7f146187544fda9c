import { Args, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../common/errors/app-error.js';
import { ImportJobModel } from '../import/models/import-job.model.js';
import { OmeroGateway } from '../omero/omero-gateway.port.js';
import { OmeroImageModel } from './models/omero-image.model.js';
import { THUMBNAIL_SIZE, ThumbnailLinks } from './thumbnail-links.js';

/**
 * Images per job unless asked otherwise: a plate brings hundreds, and the query limits count
 * a list field at its `limit`.
 */
const DEFAULT_IMAGES = 20;
const MAX_IMAGES = 500;

/** What a page shows of the images an import created: a thumbnail each, and a way to open it. */
@Resolver(() => ImportJobModel)
export class ImportJobImagesResolver {
  constructor(private readonly gateway: OmeroGateway) {}

  @ResolveField(() => [OmeroImageModel], {
    description: `The first \`limit\` OMERO images created (${DEFAULT_IMAGES} by default, at most ${MAX_IMAGES}), in the order of omeroImageIds, which lists them all: with their thumbnails and OMERO.web links.`,
  })
  images(
    @Parent() job: ImportJobModel,
    @Args('limit', { type: () => Int, defaultValue: DEFAULT_IMAGES }) limit: number,
  ): OmeroImageModel[] {
    if (!(limit >= 1 && limit <= MAX_IMAGES)) {
      throw new GraphQLError(`limit must be from 1 to ${MAX_IMAGES}, not ${limit}.`, {
        extensions: { code: ErrorCode.BAD_USER_INPUT },
      });
    }
    return job.omeroImageIds.slice(0, limit).map((id) => ({ id, webUrl: this.gateway.imageWebUrl(id) }));
  }
}

@Resolver(() => OmeroImageModel)
export class OmeroImageResolver {
  constructor(private readonly links: ThumbnailLinks) {}

  @ResolveField(() => String, {
    description: `A link to the image's thumbnail (JPEG or PNG, at most \`size\` pixels on its longer side) for an <img src>: relative to this app's address, signed for you, valid at least an hour. The size may also be changed in the link (${THUMBNAIL_SIZE.min} to ${THUMBNAIL_SIZE.max}).`,
  })
  thumbnailUrl(
    @Parent() image: OmeroImageModel,
    @CurrentUser() user: AuthUser,
    @Args('size', { type: () => Int, defaultValue: THUMBNAIL_SIZE.default }) size: number,
  ): string {
    if (!(size >= THUMBNAIL_SIZE.min && size <= THUMBNAIL_SIZE.max)) {
      // A field resolver's errors do not pass through the app's exception filter: coded here.
      throw new GraphQLError(`size must be from ${THUMBNAIL_SIZE.min} to ${THUMBNAIL_SIZE.max} pixels, not ${size}.`, {
        extensions: { code: ErrorCode.BAD_USER_INPUT },
      });
    }
    return this.links.url(user.id, image.id, size);
  }
}
