import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuthUser } from '../../auth/auth-user.js';
import { CurrentUser, Roles } from '../../auth/decorators.js';
import { BulkIdsArgs, forEachId } from '../../common/paging/bulk.js';
import { BulkResult, type Page, PageInput } from '../../common/paging/page.input.js';
import { ownedFileConditions } from '../../common/paging/owned-list.filter.js';
import { selectPage } from '../../common/paging/sql-page.js';
import { ImportJobsService } from '../import-jobs.service.js';
import { toModel } from '../import.resolver.js';
import type { ImportJobModel } from '../models/import-job.model.js';
import { ImportJobFilter, ImportJobPage, ImportJobSort } from './import-job-list.models.js';

/**
 * The administrators' view of every user's import jobs: one page with its total, sorted and
 * filtered in SQL, and retry or cancel of many jobs at once. `importJobs` stays as it was for
 * everyone else.
 */
@Resolver()
@Roles('admin')
export class ImportJobsAdminResolver {
  constructor(
    private readonly jobs: ImportJobsService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  @Query(() => ImportJobPage, { description: "Administrators only: everyone's import jobs, a page at a time." })
  async adminImportJobs(
    @Args('page', { type: () => PageInput, defaultValue: new PageInput() }) page: PageInput,
    @Args('sort', { type: () => ImportJobSort, defaultValue: new ImportJobSort() }) sort: ImportJobSort,
    // Typed without `| null` (GraphQL may still pass null): a union is emitted as Object, and
    // the ValidationPipe would skip the filter's checks. The same in every admin list.
    @Args('filter', { type: () => ImportJobFilter, nullable: true }) filter?: ImportJobFilter,
  ): Promise<Page<ImportJobModel>> {
    const where = ownedFileConditions(filter ?? {}, filter?.status).add('error_code = ?', filter?.errorCode);
    const { items, total } = await selectPage(this.db.manager, {
      select: '*',
      from: 'import_jobs',
      filter: where,
      orderBy: sort.field,
      direction: sort.direction,
      page,
    });
    return { items: items.map((row) => toModel(this.jobs.fromRow(row))), total };
  }

  @Mutation(() => [BulkResult], {
    description:
      'Administrators only: queues each FAILED or CANCELLED job again, as retryImport; says for each id whether it did, and why not.',
  })
  retryImports(@CurrentUser() user: AuthUser, @Args() { ids }: BulkIdsArgs): Promise<BulkResult[]> {
    return forEachId(ids, (id) => this.jobs.retry(user, id));
  }

  @Mutation(() => [BulkResult], {
    description:
      'Administrators only: cancels each queued or running job, as cancelImport; says for each id whether it did, and why not.',
  })
  cancelImports(@CurrentUser() user: AuthUser, @Args() { ids }: BulkIdsArgs): Promise<BulkResult[]> {
    return forEachId(ids, (id) => this.jobs.cancel(user, id));
  }
}
