import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayNotEmpty, IsEnum, IsString, Matches } from 'class-validator';
import { ImportTargetTypeEnum } from '../../omero/models/omero.models.js';

const OMERO_ID = /^[A-Za-z0-9_-]{1,64}$/;

@InputType()
export class ImportUploadInput {
  @Field(() => ID)
  @IsString()
  uploadId: string;

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
export class ImportServerFilesInput {
  @Field(() => [String], { description: 'Paths from serverFiles, relative to the import folder.' })
  @ArrayNotEmpty({ message: 'paths must name at least one file' })
  @ArrayMaxSize(1000, { message: 'at most 1000 files per request' })
  @IsString({ each: true })
  paths: string[];

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
