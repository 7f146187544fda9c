import { Field, InputType } from '@nestjs/graphql';
import { IsEnum, IsOptional, MaxLength } from 'class-validator';
import { FileSortField, OwnedFileFilter } from '../../common/paging/owned-list.filter.js';
import { PageOf, SortOf } from '../../common/paging/page.input.js';
import { ImportJobModel, ImportStatusEnum } from '../models/import-job.model.js';

export const ImportJobPage = PageOf(ImportJobModel, 'ImportJobPage');

export const ImportJobSort = SortOf(FileSortField, 'ImportJobSort', FileSortField.CREATED_AT);
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
