import { Field, ID, InputType, registerEnumType } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { ImportTargetType } from '../import-target-type.js';
import { checkRange, containsPattern, SqlConditions } from './sql-page.js';

const OMERO_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * What the admin lists of uploads and import jobs sort by: the GraphQL names are what clients
 * send, the values the columns, each with a (column, id) index (migration ConfigAuditAndAdminLists).
 */
export enum FileSortField {
  CREATED_AT = 'created_at',
  UPDATED_AT = 'updated_at',
  STATUS = 'status',
  SIZE = 'size_bytes',
  FILE_NAME = 'file_name',
}
registerEnumType(FileSortField, { name: 'FileSortField' });

/**
 * What the admin lists of uploads and import jobs filter alike: both are files of a user, made
 * at some time, bound for an OMERO target. Every field given must match.
 */
@InputType({ isAbstract: true })
export abstract class OwnedFileFilter {
  @Field(() => [ID], { nullable: true, description: 'Only these ids (what react-admin getMany asks for).' })
  @IsOptional()
  @IsUUID('all', { each: true, message: 'ids must be ids of this list' })
  ids?: string[] | null;

  @Field(() => ID, { nullable: true, description: "This user's only." })
  @IsOptional()
  @IsUUID('all', { message: 'ownerId must be a user id' })
  ownerId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Created at or after this time.' })
  @IsOptional()
  createdFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Created before this time.' })
  @IsOptional()
  createdTo?: Date | null;

  @Field(() => ImportTargetType, { nullable: true })
  @IsOptional()
  @IsEnum(ImportTargetType)
  targetType?: ImportTargetType | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @Matches(OMERO_ID, { message: 'targetId must be an OMERO id' })
  targetId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @Matches(OMERO_ID, { message: 'groupId must be an OMERO id' })
  groupId?: string | null;

  @Field(() => String, { nullable: true, description: 'Part of the file name, regardless of case.' })
  @IsOptional()
  @MaxLength(200)
  fileName?: string | null;
}

/** The WHERE conditions of an OwnedFileFilter, on a table with these columns. */
export function ownedFileConditions(filter: OwnedFileFilter, status?: string[] | null): SqlConditions {
  checkRange(filter.createdFrom, filter.createdTo, 'createdFrom and createdTo');
  return new SqlConditions()
    .add('id = ANY(?::uuid[])', filter.ids)
    .add('status = ANY(?)', status?.length ? status : null)
    .add('owner_id = ?', filter.ownerId)
    .add('created_at >= ?', filter.createdFrom)
    .add('created_at < ?', filter.createdTo)
    .add('target_type = ?', filter.targetType)
    .add('target_id = ?', filter.targetId)
    .add('group_id = ?', filter.groupId)
    .add('file_name ILIKE ?', filter.fileName ? containsPattern(filter.fileName) : null);
}
