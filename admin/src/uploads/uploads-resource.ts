import type { ResourceSpec } from '../provider/resource-spec.js';
import { bulkMutation, FILE_SORT_FIELDS, fileListFilter, serverMany, serverPage } from '../lists/server-page.js';

/** An upload as the admin app reads it (schema.gql's Upload). */
export interface Upload {
  id: string;
  fileName: string;
  status: 'UPLOADING' | 'COMPLETED' | 'IMPORTED' | 'EXPIRED' | 'REJECTED' | 'CANCELLED';
  ownerId: string;
  offsetBytes: number;
  sizeBytes: number | null;
  targetType: string | null;
  targetId: string | null;
  groupId: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  expiresAt: string | null;
  errorMessage: string | null;
  importJob: { id: string; status: string } | null;
}

const FIELDS = `id fileName status ownerId offsetBytes sizeBytes targetType targetId groupId createdAt updatedAt
  completedAt expiresAt errorMessage importJob { id status }`;

const uploadsPage = serverPage<Upload>(
  {
    name: 'adminUploads',
    sortType: 'UploadSort',
    filterType: 'UploadFilter',
    fields: FIELDS,
    sortFields: FILE_SORT_FIELDS,
  },
  fileListFilter,
);

export const uploadsResource: ResourceSpec<Upload> = {
  page: uploadsPage,
  many: serverMany(uploadsPage),
  actions: { cancel: bulkMutation('cancelUploads') },
};
