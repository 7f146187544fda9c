import { useEffect, useRef, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { subscribe } from '../api/live.js';
import {
  CANCEL_IMPORT,
  IMPORT_JOB_UPDATED,
  IMPORT_UPLOAD,
  RETRY_IMPORT,
  UPLOAD_STATE,
  type ImportJob,
  type UploadState,
} from '../api/operations.js';
import { uploadErrorMessage, uploadIdOf, type UploaderFile, type UploaderUppy } from '../uploader/create-uppy.js';

export type Phase =
  'waiting' | 'uploading' | 'uploaded' | 'queued' | 'importing' | 'imported' | 'failed' | 'cancelled' | 'refused';

export interface FileRow {
  fileId: string;
  name: string;
  phase: Phase;
  percent: number;
  uploadId?: string;
  job?: ImportJob;
  /** Why the file failed or was refused, for people. */
  message?: string;
}

const PHASE_OF_JOB: Record<ImportJob['status'], Phase> = {
  QUEUED: 'queued',
  RUNNING: 'importing',
  SUCCEEDED: 'imported',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

const FINAL: Phase[] = ['imported', 'cancelled', 'refused'];

/** tus answers that refuse the file for good (docs/api.md). */
const REFUSALS = [400, 403, 410, 413, 415];

function fromJob(row: FileRow, job: ImportJob): FileRow {
  return { ...row, job, phase: PHASE_OF_JOB[job.status], message: job.error ?? undefined };
}

/** How far a job has gone within one attempt; a retry starts again from QUEUED. */
const PROGRESS: Record<ImportJob['status'], number> = { QUEUED: 1, RUNNING: 2, SUCCEEDED: 3, FAILED: 3, CANCELLED: 3 };

/**
 * A job read by a query (or returned by a mutation) may be older than an update the
 * subscription delivered while the request was in flight: it never moves a row back.
 * Subscription updates arrive in order and always apply (a retry elsewhere included).
 */
function fromJobRead(row: FileRow, job: ImportJob): FileRow {
  if (row.job?.id === job.id && PROGRESS[job.status] < PROGRESS[row.job.status]) return row;
  return fromJob(row, job);
}

function fromUpload(row: FileRow, upload: UploadState | null): FileRow {
  if (!upload) return row;
  if (upload.importJob) return fromJobRead(row, upload.importJob);
  if (upload.status === 'REJECTED' || upload.status === 'CANCELLED' || upload.status === 'EXPIRED')
    return {
      ...row,
      phase: 'refused',
      message: upload.errorMessage ?? `The upload was ${upload.status.toLowerCase()}.`,
    };
  return row;
}

/**
 * One row per file of this page, from the moment it is added until its import ends: upload
 * progress from Uppy, then the import job from GraphQL, kept current by `importJobUpdated` and
 * refetched whenever the socket reconnects (it may have missed updates).
 */
export function useFileRows(uppy: UploaderUppy) {
  const [rows, setRows] = useState<FileRow[]>([]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  useEffect(() => {
    const newRow = (file: UploaderFile): FileRow => ({
      fileId: file.id,
      name: file.name ?? 'unnamed',
      phase: 'waiting',
      percent: 0,
    });
    // Uppy may report on a file before this hook has seen it (restored after a reload): add it.
    const update = (file: UploaderFile, change: (row: FileRow) => FileRow) =>
      setRows((current) =>
        (current.some((row) => row.fileId === file.id) ? current : [...current, newRow(file)]).map((row) =>
          row.fileId === file.id ? change(row) : row,
        ),
      );
    const handedOver = new Set<string>();
    const byUpload = (uploadId: string, change: (row: FileRow) => FileRow) =>
      setRows((current) => current.map((row) => (row.uploadId === uploadId ? change(row) : row)));

    const refresh = async (uploadId: string) => {
      const { upload } = await graphql<{ upload: UploadState | null }>(UPLOAD_STATE, { id: uploadId });
      byUpload(uploadId, (row) => fromUpload(row, upload));
      return upload;
    };

    const onAdded = (file: UploaderFile) => update(file, (row) => row);
    const onRemoved = (file: UploaderFile) =>
      setRows((current) => current.filter((row) => row.fileId !== file.id || row.phase !== 'waiting'));
    const onProgress = (file: UploaderFile | undefined) => {
      if (!file) return;
      const { bytesUploaded, bytesTotal } = file.progress;
      const percent =
        typeof bytesTotal === 'number' && bytesTotal > 0
          ? Math.floor((100 * Number(bytesUploaded || 0)) / bytesTotal)
          : 0;
      update(file, (row) => ({
        ...row,
        // A late progress report must not undo a failure or a completion already shown.
        phase: row.phase === 'waiting' ? 'uploading' : row.phase,
        percent,
        uploadId: row.uploadId ?? uploadIdOf(file.tus?.uploadUrl),
      }));
    };
    const onSuccess = (file: UploaderFile | undefined, response: { uploadURL?: string }) => {
      if (!file) return;
      const uploadId = uploadIdOf(response.uploadURL ?? file.tus?.uploadUrl);
      if (!uploadId || handedOver.has(file.id)) return;
      handedOver.add(file.id);
      update(file, (row) => ({ ...row, uploadId, phase: 'uploaded', percent: 100, message: undefined }));
      void (async () => {
        const upload = await refresh(uploadId);
        // With autoImport on the server has queued the job already; importUpload then answers
        // that job, so asking is always safe.
        if (upload?.status === 'COMPLETED' && !upload.importJob && file.meta.targetId) {
          const { importUpload } = await graphql<{ importUpload: ImportJob }>(IMPORT_UPLOAD, {
            input: {
              uploadId,
              targetType: file.meta.targetType,
              targetId: file.meta.targetId,
              groupId: file.meta.groupId,
            },
          });
          byUpload(uploadId, (row) => fromJobRead(row, importUpload));
        }
      })().catch((error: Error) => byUpload(uploadId, (row) => ({ ...row, message: error.message })));
    };
    const onError = (file: UploaderFile | undefined, error: Error) => {
      if (!file) return;
      // The server refused the file itself (content, size, extension, flag off): retrying cannot help.
      const status = (error as { originalResponse?: { getStatus(): number } | null }).originalResponse?.getStatus();
      const phase: Phase = status && REFUSALS.includes(status) ? 'refused' : 'failed';
      update(file, (row) => ({ ...row, phase, message: uploadErrorMessage(error) }));
    };
    // Only the files retried: a file resumed from the "Unfinished uploads" panel is one too.
    const onRetried = (retried: UploaderFile | UploaderFile[]) => {
      const ids = new Set([retried].flat().map((file) => file.id));
      setRows((current) =>
        current.map((row) =>
          row.phase === 'failed' && !row.job && ids.has(row.fileId)
            ? { ...row, phase: 'uploading', message: undefined }
            : row,
        ),
      );
    };

    // Catches up with Uppy's state: at mount, after Golden Retriever restored files, and when an
    // upload round ends (a success may have been reported before this hook listened).
    const onRestored = () => {
      for (const file of uppy.getFiles()) {
        if (file.progress.uploadComplete) onSuccess(file, { uploadURL: file.response?.uploadURL });
        else if (file.progress.uploadStarted) onProgress(file);
        else onAdded(file);
      }
    };
    onRestored();
    // Uppy's event map types each handler; the pairs are listened to and dropped together.
    const handlers = [
      ['restored', onRestored],
      ['complete', onRestored],
      ['file-added', onAdded],
      ['file-removed', onRemoved],
      ['upload-progress', onProgress],
      ['upload-success', onSuccess],
      ['upload-error', onError],
      ['retry-all', onRetried],
      ['upload-retry', onRetried],
    ] as [Parameters<UploaderUppy['on']>[0], (...args: never[]) => void][];
    for (const [event, handler] of handlers) uppy.on(event, handler as never);

    const stopLive = subscribe<{ importJobUpdated: ImportJob }>(
      IMPORT_JOB_UPDATED,
      {},
      ({ importJobUpdated: job }) => job.uploadId && byUpload(job.uploadId, (row) => fromJob(row, job)),
      () => {
        // Reconnected: ask again about every file whose import may have moved meanwhile.
        for (const row of rowsRef.current)
          if (row.uploadId && !FINAL.includes(row.phase) && row.phase !== 'uploading') void refresh(row.uploadId);
      },
    );

    return () => {
      for (const [event, handler] of handlers) uppy.off(event, handler as never);
      stopLive();
    };
  }, [uppy]);

  const act = async (row: FileRow, operation: string) => {
    if (!row.job) return;
    try {
      const data = await graphql<Record<string, ImportJob>>(operation, { id: row.job.id });
      const job = Object.values(data)[0];
      // Unless an update has arrived meanwhile (it is newer than this answer).
      setRows((current) =>
        current.map((r) => (r.fileId === row.fileId && r.job?.status === row.job?.status ? fromJob(r, job) : r)),
      );
    } catch (error) {
      setRows((current) =>
        current.map((r) => (r.fileId === row.fileId ? { ...r, message: (error as Error).message } : r)),
      );
    }
  };

  return {
    rows,
    retry: (row: FileRow) => act(row, RETRY_IMPORT),
    cancel: (row: FileRow) => act(row, CANCEL_IMPORT),
  };
}
