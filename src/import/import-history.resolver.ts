import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { ImportJobsService } from './import-jobs.service.js';
import { ImportStatusEnum } from './models/import-job.model.js';

/** What a history list pages with, beside `importJobs`. */
@Resolver()
export class ImportHistoryResolver {
  constructor(private readonly jobs: ImportJobsService) {}

  @Query(() => Int, {
    description:
      "How many import jobs `importJobs` pages through (with this status, if given): yours; administrators: everyone's.",
  })
  importJobCount(
    @CurrentUser() user: AuthUser,
    @Args('status', { type: () => ImportStatusEnum, nullable: true }) status?: ImportStatusEnum,
  ): Promise<number> {
    return this.jobs.count(user, status);
  }
}
