import { Field, InputType, registerEnumType } from '@nestjs/graphql';
import { IsEnum, IsOptional, MaxLength } from 'class-validator';
import { OwnedFileFilter } from '../../common/paging/owned-list.filter.js';
import { PageOf, SortOf } from '../../common/paging/page.input.js';
import { ImportJobModel, ImportStatusEnum } from '../models/import-job.model.js';

export const ImportJobPage = PageOf(ImportJobModel, 'ImportJobPage');

/** The GraphQL names are what clients send; the values are the columns (each with an index). */
export enum ImportJobSortField {
  CREATED_AT = 'created_at',
  UPDATED_AT = 'updated_at',
  STATUS = 'status',
  SIZE = 'size_bytes',
  FILE_NAME = 'file_name',
}
registerEnumType(ImportJobSortField, { name: 'ImportJobSortField' });

export const ImportJobSort = SortOf(ImportJobSortField, 'ImportJobSort', ImportJobSortField.CREATED_AT);
export type ImportJobSort = InstanceType<typeof ImportJobSort>;

@InputType({ description: 'Every field given must match; a list matches any of its values.' })
export class ImportJobFilter extends OwnedFileFilter {
  @Field(() => [ImportStatusEnum], { nullable: true })
  @IsOptional()
  @IsEnum(ImportStatusEnum, { each: true })
  status?: ImportStatusEnum[] | null;

  @Field(() => String, { nullable: true, description: 'UNREADABLE_FILE, TIMEOUT, …' })
  @IsOptional()
  @MaxLength(40)
  errorCode?: string | null;
}
