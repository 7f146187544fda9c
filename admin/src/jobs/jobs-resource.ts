import { HttpError } from 'react-admin';
import { graphql } from '../../../web/src/api/graphql.js';
import type { ResourceSpec } from '../provider/resource-spec.js';
import { bulkMutation, FILE_SORT_FIELDS, fileListFilter, serverMany, serverPage } from '../lists/server-page.js';

/** An import job as the admin app reads it (schema.gql's ImportJob). */
export interface ImportJob {
  id: string;
  fileName: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  ownerId: string;
  targetType: 'DATASET' | 'SCREEN';
  targetId: string;
  groupId: string;
  attempts: number;
  sizeBytes: number | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  errorCode: string | null;
  error: string | null;
  uploadId: string | null;
  serverPath: string | null;
  omeroImageIds: string[];
  /** Only read for one job (the show page): it can be long. */
  importerLog?: string | null;
}

const FIELDS = `id fileName status ownerId targetType targetId groupId attempts sizeBytes createdAt updatedAt
  startedAt finishedAt errorCode error uploadId serverPath omeroImageIds`;

export const IMPORT_JOB_UPDATED = 'subscription AdminJobUpdated { importJobUpdated { id status } }';

const jobsPage = serverPage<ImportJob>(
  {
    name: 'adminImportJobs',
    sortType: 'ImportJobSort',
    filterType: 'ImportJobFilter',
    fields: FIELDS,
    sortFields: FILE_SORT_FIELDS,
  },
  fileListFilter,
);

export const jobsResource: ResourceSpec<ImportJob> = {
  page: jobsPage,
  many: serverMany(jobsPage),
  one: async (id) => {
    const { importJob } = await graphql<{ importJob: ImportJob | null }>(
      `query AdminImportJob($id: ID!) { importJob(id: $id) { ${FIELDS} importerLog } }`,
      { id: String(id) },
    );
    if (!importJob) throw new HttpError(`There is no import job ${id}: it may have been deleted.`, 404);
    return importJob;
  },
  actions: { retry: bulkMutation('retryImports'), cancel: bulkMutation('cancelImports') },
};
