import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsBoolean, IsEnum, IsOptional, IsString, Matches } from 'class-validator';
import { ImportTargetTypeEnum } from '../models/omero.models.js';

const NAME = /^(?=.*\S)[^\p{Cc}]{1,200}$/u;

@InputType()
export class CreateSandboxGroupInput {
  @Field()
  @Matches(NAME, { message: 'name must be 1 to 200 printable characters' })
  name: string;

  @Field({ defaultValue: false, description: "Members may import into each other's containers." })
  @IsBoolean()
  readWrite: boolean;

  @Field(() => [String], { defaultValue: [], description: 'Usernames of the members.' })
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  members: string[];
}

@InputType()
export class CreateSandboxContainerInput {
  @Field(() => ID)
  @Matches(/^\d{1,9}$/, { message: 'groupId must be a sandbox group id' })
  groupId: string;

  @Field(() => ImportTargetTypeEnum)
  @IsEnum(ImportTargetTypeEnum)
  type: ImportTargetTypeEnum;

  @Field()
  @Matches(NAME, { message: 'name must be 1 to 200 printable characters' })
  name: string;

  @Field(() => String, { nullable: true, description: 'For a dataset: the project to put it in (created if needed).' })
  @IsOptional()
  @Matches(NAME, { message: 'projectName must be 1 to 200 printable characters' })
  projectName?: string;

  @Field(() => String, { nullable: true, description: 'Its owner (a member); you by default.' })
  @IsOptional()
  @IsString()
  owner?: string;
}
