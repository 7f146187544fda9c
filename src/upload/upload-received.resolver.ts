import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ReceivedBytesModel } from './models/received-bytes.model.js';
import { UploadModel } from './models/upload.model.js';
import type { Upload } from './upload.entity.js';
import { UploadsService } from './uploads.service.js';

/**
 * What a client needs to resume an unfinished upload from another browser or machine: proof
 * that the file it was given starts with the bytes the server already has. The count and the
 * hash come from one reading, so they always belong together, even while bytes arrive.
 */
@Resolver(() => UploadModel)
export class UploadReceivedResolver {
  constructor(private readonly uploads: UploadsService) {}

  @ResolveField(() => ReceivedBytesModel, {
    nullable: true,
    description:
      'For an UPLOADING upload: how many bytes the server holds and their sha256, read together. Null in any other status.',
  })
  async received(@Parent() upload: Upload): Promise<ReceivedBytesModel | null> {
    if (upload.status !== 'uploading') return null;
    try {
      const { offset, sha256 } = await this.uploads.store.received(upload.id);
      return { offsetBytes: offset, sha256 };
    } catch {
      // Its bytes left meanwhile (completed, cancelled or expired): no longer unfinished.
      return null;
    }
  }
}
