import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { UploadModel, UploadStatusEnum } from './models/upload.model.js';
import type { Upload } from './upload.entity.js';
import { UploadsService } from './uploads.service.js';

@Resolver(() => UploadModel)
export class UploadsResolver {
  constructor(private readonly service: UploadsService) {}

  @Query(() => [UploadModel], { description: "The caller's uploads, newest first (at most 500)." })
  uploads(
    @CurrentUser() user: AuthUser,
    @Args('status', { type: () => UploadStatusEnum, nullable: true }) status?: UploadStatusEnum,
  ): Promise<Upload[]> {
    return this.service.list(user, status);
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
