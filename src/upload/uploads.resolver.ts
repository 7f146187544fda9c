import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { UploadModel, UploadStatusEnum } from './models/upload.model.js';
import type { Upload } from './upload.entity.js';
import { UploadsService } from './uploads.service.js';

/**
 * A page of `uploads`: the default is what the query returned before it took a page, so a call
 * without paging arguments still answers as it did.
 */
const DEFAULT_PAGE = 500;
const MAX_PAGE = 500;

@Resolver(() => UploadModel)
export class UploadsResolver {
  constructor(private readonly service: UploadsService) {}

  @Query(() => [UploadModel], {
    description: `The caller's uploads, newest first: \`limit\` of them (${DEFAULT_PAGE} by default, at most ${MAX_PAGE}) after skipping \`offset\` (0 by default). \`uploadCount\` says how many there are in all.`,
  })
  uploads(
    @CurrentUser() user: AuthUser,
    @Args('status', { type: () => UploadStatusEnum, nullable: true }) status?: UploadStatusEnum,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: DEFAULT_PAGE }) givenLimit?: number | null,
    @Args('offset', { type: () => Int, nullable: true, defaultValue: 0 }) givenOffset?: number | null,
  ): Promise<Upload[]> {
    // An explicit null means the default, as an omitted argument does.
    const limit = givenLimit ?? DEFAULT_PAGE;
    const offset = givenOffset ?? 0;
    if (!(limit >= 1 && limit <= MAX_PAGE)) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `limit must be between 1 and ${MAX_PAGE}, not ${limit}.`);
    }
    if (!(offset >= 0)) throw new AppError(ErrorCode.BAD_USER_INPUT, `offset must be 0 or more, not ${offset}.`);
    return this.service.list(user, status, limit, offset);
  }

  @Query(() => Int, {
    description: 'How many uploads the caller has (with this status, if given): for paging `uploads`.',
  })
  uploadCount(
    @CurrentUser() user: AuthUser,
    @Args('status', { type: () => UploadStatusEnum, nullable: true }) status?: UploadStatusEnum,
  ): Promise<number> {
    return this.service.count(user, status);
  }

  @Query(() => UploadModel, { nullable: true, description: 'One of your uploads; null for any other id.' })
  upload(@CurrentUser() user: AuthUser, @Args('id', { type: () => ID }) id: string): Promise<Upload | null> {
    return this.service.findOwn(user, id);
  }

  @Mutation(() => UploadModel, { description: 'Stops an unfinished upload and deletes its bytes.' })
  cancelUpload(@CurrentUser() user: AuthUser, @Args('id', { type: () => ID }) id: string): Promise<Upload> {
    return this.service.cancel(user, id);
  }

  @ResolveField(() => Date, { nullable: true, description: 'When an unfinished upload will be deleted.' })
  expiresAt(@Parent() upload: Upload): Date | null {
    return upload.status === 'uploading' ? this.service.expiresAt(upload) : null;
  }

  /** Live progress comes from the file on disk, so no row is written per chunk. */
  @ResolveField(() => Number)
  offsetBytes(@Parent() upload: Upload): Promise<number> {
    return this.service.receivedBytes(upload);
  }
}
