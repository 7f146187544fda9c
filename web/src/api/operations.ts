/** The GraphQL documents the page sends, against schema.gql. */

export type ImportTargetType = 'DATASET' | 'SCREEN';
export type ImportStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface OmeroGroup {
  id: string;
  name: string;
  sandbox: boolean;
}

export interface ImportTarget {
  id: string;
  name: string;
  type: ImportTargetType;
  groupId: string;
  projectName: string | null;
  canLink: boolean;
  sandbox: boolean;
}

export interface UploaderSettings {
  allowedExtensions: string[];
  maxFileSizeBytes: number;
  chunkSizeBytes: number;
  autoImport: boolean;
}

/** An image an import created: a signed thumbnail link, and OMERO.web's page (null in the sandbox). */
export interface OmeroImage {
  id: string;
  thumbnailUrl: string;
  webUrl: string | null;
}

export interface ImportJob {
  id: string;
  uploadId: string | null;
  status: ImportStatus;
  error: string | null;
  omeroImageIds: string[];
  images: OmeroImage[];
}

export interface UploadState {
  id: string;
  status: 'UPLOADING' | 'COMPLETED' | 'IMPORTED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED';
  errorMessage: string | null;
  importJob: ImportJob | null;
}

/** Rows show a few thumbnails and "+N more"; 128 px pictures stay sharp at 64 CSS pixels on HiDPI screens. */
export const THUMBNAILS_SHOWN = 4;
const IMAGE_FIELDS = `images(limit: ${THUMBNAILS_SHOWN}) { id thumbnailUrl(size: 128) webUrl }`;

export const JOB_FIELDS = `id uploadId status error omeroImageIds ${IMAGE_FIELDS}`;

export const GROUPS = 'query Groups { groups { id name sandbox } }';

export const IMPORT_TARGETS = `query ImportTargets($groupId: ID!, $type: ImportTargetType!) {
  importTargets(groupId: $groupId, type: $type) { id name type groupId projectName canLink sandbox }
}`;

export const UPLOADER_SETTINGS =
  'query UploaderSettings { uploaderSettings { allowedExtensions maxFileSizeBytes chunkSizeBytes autoImport } }';

export const UPLOAD_STATE = `query UploadState($id: ID!) {
  upload(id: $id) { id status errorMessage importJob { ${JOB_FIELDS} } }
}`;

export const IMPORT_UPLOAD = `mutation ImportUpload($input: ImportUploadInput!) {
  importUpload(input: $input) { ${JOB_FIELDS} }
}`;

export const RETRY_IMPORT = `mutation RetryImport($id: ID!) { retryImport(id: $id) { ${JOB_FIELDS} } }`;

export const CANCEL_IMPORT = `mutation CancelImport($id: ID!) { cancelImport(id: $id) { ${JOB_FIELDS} } }`;

export const IMPORT_JOB_UPDATED = `subscription ImportJobUpdated { importJobUpdated { ${JOB_FIELDS} } }`;
