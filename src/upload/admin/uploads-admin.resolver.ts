import { Args, Field, InputType, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectRepository } from '@nestjs/typeorm';
import { IsEnum, IsOptional } from 'class-validator';
import type { Repository } from 'typeorm';
import { Roles } from '../../auth/decorators.js';
import { BulkIdsArgs, forEachId } from '../../common/paging/bulk.js';
import { FileSortField, OwnedFileFilter, ownedFileConditions } from '../../common/paging/owned-list.filter.js';
import { BulkResult, type Page, PageInput, PageOf, SortOf } from '../../common/paging/page.input.js';
import { selectPage } from '../../common/paging/sql-page.js';
import { entityFromRow } from '../../database/entity-from-row.js';
import { UploadModel, UploadStatusEnum } from '../models/upload.model.js';
import { Upload } from '../upload.entity.js';
import { UploadsService } from '../uploads.service.js';

const UploadPage = PageOf(UploadModel, 'UploadPage');

export const UploadSort = SortOf(FileSortField, 'UploadSort', FileSortField.CREATED_AT);
export type UploadSort = InstanceType<typeof UploadSort>;

@InputType({ description: 'Every field given must match; a list matches any of its values.' })
export class UploadFilter extends OwnedFileFilter {
  @Field(() => [UploadStatusEnum], { nullable: true })
  @IsOptional()
  @IsEnum(UploadStatusEnum, { each: true })
  status?: UploadStatusEnum[] | null;
}

/**
 * The administrators' view of every user's uploads, a page at a time, and cancelling many at
 * once. An unfinished upload's progress is `offsetBytes`, read from its file as for its owner.
 */
@Resolver()
@Roles('admin')
export class UploadsAdminResolver {
  constructor(
    private readonly uploads: UploadsService,
    @InjectRepository(Upload) private readonly rows: Repository<Upload>,
  ) {}

  @Query(() => UploadPage, { description: "Administrators only: everyone's uploads, a page at a time." })
  async adminUploads(
    @Args('page', { type: () => PageInput, defaultValue: new PageInput() }) page: PageInput,
    @Args('sort', { type: () => UploadSort, defaultValue: new UploadSort() }) sort: UploadSort,
    @Args('filter', { type: () => UploadFilter, nullable: true }) filter?: UploadFilter,
  ): Promise<Page<Upload>> {
    const { items, total } = await selectPage(this.rows.manager, {
      select: '*',
      from: 'uploads',
      filter: ownedFileConditions(filter ?? {}, filter?.status),
      orderBy: sort.field,
      direction: sort.direction,
      page,
    });
    return { items: items.map((row) => entityFromRow(this.rows, row)), total };
  }

  @Mutation(() => [BulkResult], {
    description:
      'Administrators only: stops each unfinished upload and deletes its bytes, as cancelUpload does for its owner; says for each id whether it did, and why not.',
  })
  cancelUploads(@Args() { ids }: BulkIdsArgs): Promise<BulkResult[]> {
    return forEachId(ids, (id) => this.uploads.cancelAny(id));
  }
}
