import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { UploadStatus } from '../upload.entity.js';

/** The GraphQL enum of UploadStatus: UPPERCASE names for the stored lowercase values. */
export const UploadStatusEnum = UploadStatus;
export type UploadStatusEnum = UploadStatus;
registerEnumType(UploadStatusEnum, { name: 'UploadStatus' });

@ObjectType('Upload')
export class UploadModel {
  @Field(() => ID, { description: 'The tus id: the last part of the upload URL.' })
  id: string;

  @Field(() => ID, { description: 'The user who uploads it.' })
  ownerId: string;

  @Field({ description: 'The name the client gave.' })
  fileName: string;

  @Field(() => String, { nullable: true, description: "The file's name in the owner's folder, once completed." })
  storedName: string | null;

  @Field(() => Float, { nullable: true, description: 'Null while the client defers the length.' })
  sizeBytes: number | null;

  @Field(() => Float, { description: 'Bytes received so far.' })
  offsetBytes: number;

  @Field(() => UploadStatusEnum)
  status: UploadStatusEnum;

  @Field(() => String, {
    nullable: true,
    description: 'The format recognised from the content, e.g. TIFF, OME-TIFF, PNG.',
  })
  detectedFormat: string | null;

  @Field(() => String, { nullable: true, description: 'Hex sha256 of the whole file, once completed.' })
  sha256: string | null;

  @Field(() => String, { nullable: true })
  targetType: string | null;

  @Field(() => String, { nullable: true })
  targetId: string | null;

  @Field(() => String, { nullable: true })
  groupId: string | null;

  @Field(() => String, { nullable: true, description: 'Why the upload was rejected, for people.' })
  errorMessage: string | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  completedAt: Date | null;

  @Field({ description: 'When the upload last changed status.' })
  updatedAt: Date;
}
