import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ImportTargetTypeEnum } from '../../omero/models/omero.models.js';
import { ImportStatus } from '../import-job.entity.js';

/** The GraphQL enum of ImportStatus. */
export const ImportStatusEnum = ImportStatus;
export type ImportStatusEnum = ImportStatus;
registerEnumType(ImportStatusEnum, { name: 'ImportStatus' });

@ObjectType('ImportJob')
export class ImportJobModel {
  @Field(() => ID)
  id: string;

  @Field(() => ImportStatusEnum)
  status: ImportStatusEnum;

  @Field()
  fileName: string;

  @Field(() => Float, { nullable: true })
  sizeBytes: number | null;

  @Field(() => ImportTargetTypeEnum)
  targetType: ImportTargetTypeEnum;

  @Field(() => ID)
  targetId: string;

  @Field(() => ID)
  groupId: string;

  @Field(() => ID, { description: 'The user the job imports for.' })
  ownerId: string;

  @Field(() => ID, { nullable: true, description: 'The upload imported, for jobs of uploaded files.' })
  uploadId: string | null;

  @Field(() => String, { nullable: true, description: 'For in-place imports: the path under the import folder.' })
  serverPath: string | null;

  @Field(() => [ID], { description: 'The OMERO images created.' })
  omeroImageIds: string[];

  @Field(() => [ID], { description: 'The OMERO plates created (imports into a screen).' })
  omeroPlateIds: string[];

  @Field(() => String, { nullable: true, description: 'Why the job failed or was cancelled, for people.' })
  error: string | null;

  @Field(() => String, { nullable: true, description: 'UNREADABLE_FILE, NO_PERMISSION, TIMEOUT, …' })
  errorCode: string | null;

  @Field(() => Int)
  attempts: number;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  @Field({ description: 'When the job last changed.' })
  updatedAt: Date;
}

@ObjectType('ServerFile')
export class ServerFileModel {
  @Field({ description: 'Relative to the import folder; pass it to importServerFiles or serverFiles.' })
  path: string;

  @Field()
  name: string;

  @Field()
  isDirectory: boolean;

  @Field(() => Float, { nullable: true })
  sizeBytes: number | null;
}
