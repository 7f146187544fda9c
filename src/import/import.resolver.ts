import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { Inject } from '@nestjs/common';
import { type AuthUser, isAdmin } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { UploadModel } from '../upload/models/upload.model.js';
import type { Upload } from '../upload/upload.entity.js';
import { ImportServerFilesInput, ImportUploadInput } from './dto/import.inputs.js';
import type { ImportJob } from './import-job.entity.js';
import { IMPORT_JOB_UPDATED, type ImportJobEvent, ImportJobsService } from './import-jobs.service.js';
import { ImportJobModel, ImportStatusEnum, ServerFileModel } from './models/import-job.model.js';
import { ServerFilesService } from './server-files.service.js';

export function toModel(job: ImportJob): ImportJobModel {
  return {
    ...job,
    status: job.status as ImportStatusEnum,
    targetType: job.targetType as ImportJobModel['targetType'],
    serverPath: job.sourceKind === 'server' ? job.sourcePath : null,
    error: job.errorMessage,
  };
}

/** The job of each event, read once however many subscribers receive it. */
const reloaded = new WeakMap<ImportJobEvent, Promise<ImportJob | null>>();

@Resolver()
export class ImportResolver {
  constructor(
    private readonly jobs: ImportJobsService,
    private readonly files: ServerFilesService,
    @Inject(PUB_SUB) private readonly pubsub: PgPubSub,
  ) {}

  @Query(() => [ImportJobModel], { description: "Your import jobs, newest first (administrators: everyone's)." })
  async importJobs(
    @CurrentUser() user: AuthUser,
    @Args('status', { type: () => ImportStatusEnum, nullable: true }) status?: ImportStatusEnum,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit = 50,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset = 0,
  ): Promise<ImportJobModel[]> {
    return (await this.jobs.list(user, status, limit, offset)).map(toModel);
  }

  @Query(() => ImportJobModel, { nullable: true })
  async importJob(
    @CurrentUser() user: AuthUser,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ImportJobModel | null> {
    const job = await this.jobs.findVisible(user, id);
    return job && toModel(job);
  }

  @Query(() => [ServerFileModel], { description: 'The in-place importer: files and folders under the import folder.' })
  serverFiles(@Args('path', { defaultValue: '' }) path: string): Promise<ServerFileModel[]> {
    return this.files.list(path);
  }

  @Mutation(() => ImportJobModel, {
    description: 'Imports a completed upload; an upload has one job, which this returns if it exists.',
  })
  async importUpload(@CurrentUser() user: AuthUser, @Args('input') input: ImportUploadInput): Promise<ImportJobModel> {
    const { uploadId, ...target } = input;
    return toModel(await this.jobs.importUpload(user, uploadId, target));
  }

  @Mutation(() => [ImportJobModel], {
    description: 'Imports files of the import folder in place (linked, never moved).',
  })
  async importServerFiles(
    @CurrentUser() user: AuthUser,
    @Args('input') input: ImportServerFilesInput,
  ): Promise<ImportJobModel[]> {
    const { paths, ...target } = input;
    return (await this.jobs.importServerFiles(user, paths, target)).map(toModel);
  }

  @Mutation(() => ImportJobModel)
  async cancelImport(
    @CurrentUser() user: AuthUser,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ImportJobModel> {
    return toModel(await this.jobs.cancel(user, id));
  }

  @Mutation(() => ImportJobModel)
  async retryImport(
    @CurrentUser() user: AuthUser,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ImportJobModel> {
    return toModel(await this.jobs.retry(user, id));
  }

  @Subscription(() => ImportJobModel, {
    description: 'Every change to your import jobs (administrators: all), or to the one job given.',
    filter(
      this: ImportResolver,
      event: ImportJobEvent,
      variables: { id?: string },
      context: { req: { user: AuthUser } },
    ) {
      const user = context.req.user;
      if (variables.id && variables.id !== event.id) return false;
      return event.ownerId === user.id || isAdmin(user);
    },
    async resolve(this: ImportResolver, event: ImportJobEvent) {
      // Every subscriber gets the same event object (the filter above already checked
      // visibility): the job is read once per event, not once per connection.
      let job = reloaded.get(event);
      if (!job) reloaded.set(event, (job = this.jobs.findById(event.id)));
      const found = await job;
      return found && toModel(found);
    },
  })
  importJobUpdated(@Args('id', { type: () => ID, nullable: true }) _id?: string) {
    return this.pubsub.asyncIterableIterator(IMPORT_JOB_UPDATED);
  }
}

/**
 * The importer's log names server paths, OMERO's address and the importer's own words: it is
 * for administrators diagnosing an import. Anyone else reads null (not an error, so that one
 * query serves both kinds of user); their `error` says what went wrong in plain words.
 */
@Resolver(() => ImportJobModel)
export class ImportJobLogResolver {
  @ResolveField(() => String, {
    nullable: true,
    description:
      "What the importer said in the job's last attempt, for diagnosis: administrators only, null for others.",
  })
  importerLog(@Parent() job: ImportJobModel & { log?: string | null }, @CurrentUser() user: AuthUser): string | null {
    return isAdmin(user) ? (job.log ?? null) : null;
  }
}

@Resolver(() => UploadModel)
export class UploadImportJobResolver {
  constructor(private readonly jobs: ImportJobsService) {}

  @ResolveField(() => ImportJobModel, { nullable: true, description: "The upload's import job, if it has one." })
  async importJob(@Parent() upload: Upload): Promise<ImportJobModel | null> {
    const job = await this.jobs.findForUpload(upload.id);
    return job && toModel(job);
  }
}
