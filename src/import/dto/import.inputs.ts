import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayNotEmpty, IsEnum, IsString, Matches } from 'class-validator';
import { ImportTargetTypeEnum } from '../../omero/models/omero.models.js';

const OMERO_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The OMERO container an import goes into, and its group. */
@InputType({ isAbstract: true })
abstract class ImportTargetInput {
  @Field(() => ImportTargetTypeEnum)
  @IsEnum(ImportTargetTypeEnum)
  targetType: ImportTargetTypeEnum;

  @Field(() => ID)
  @Matches(OMERO_ID, { message: 'targetId must be an OMERO id' })
  targetId: string;

  @Field(() => ID)
  @Matches(OMERO_ID, { message: 'groupId must be an OMERO id' })
  groupId: string;
}

@InputType()
export class ImportUploadInput extends ImportTargetInput {
  @Field(() => ID)
  @IsString()
  uploadId: string;
}

@InputType()
export class ImportServerFilesInput extends ImportTargetInput {
  @Field(() => [String], { description: 'Paths from serverFiles, relative to the import folder.' })
  @ArrayNotEmpty({ message: 'paths must name at least one file' })
  @ArrayMaxSize(1000, { message: 'at most 1000 files per request' })
  @IsString({ each: true })
  paths: string[];
}
