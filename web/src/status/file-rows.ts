import { useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { graphql } from '../api/graphql.js';
import { subscribe } from '../api/live.js';
import {
  IMPORT_JOB_UPDATED,
  IMPORT_UPLOAD,
  UPLOAD_STATE,
  type ImportJob,
  type UploadState,
} from '../api/operations.js';
import { UploadSpeeds, type Rate } from './upload-speed.js';
import { uploadErrorMessage, uploadIdOf, type UploaderFile, type UploaderUppy } from '../uploader/create-uppy.js';
import { FINAL, fromJob, fromJobRead, jobActions } from './job-rows.js';

export type Phase =
  'waiting' | 'uploading' | 'uploaded' | 'queued' | 'importing' | 'imported' | 'failed' | 'cancelled' | 'refused';

export interface FileRow {
  fileId: string;
  name: string;
  phase: Phase;
  percent: number;
  /** Smoothed speed and time left while uploading. */
  rate?: Rate;
  uploadId?: string;
  job?: ImportJob;
  /** Why the file failed or was refused, for people. */
  message?: string;
}

/** tus answers that refuse the file for good (docs/api.md). */
const REFUSALS = [400, 403, 410, 413, 415];

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
    const speeds = new UploadSpeeds();
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
      const rate =
        typeof bytesTotal === 'number' ? speeds.measure(file.id, Number(bytesUploaded || 0), bytesTotal) : undefined;
      update(file, (row) => ({
        ...row,
        // A late progress report must not undo a failure or a completion already shown.
        phase: row.phase === 'waiting' ? 'uploading' : row.phase,
        percent,
        rate,
        uploadId: row.uploadId ?? uploadIdOf(file.tus?.uploadUrl),
      }));
    };
    const onSuccess = (file: UploaderFile | undefined, response: { uploadURL?: string }) => {
      if (!file) return;
      const uploadId = uploadIdOf(response.uploadURL ?? file.tus?.uploadUrl);
      if (!uploadId || handedOver.has(file.id)) return;
      handedOver.add(file.id);
      speeds.forget(file.id);
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
      // Drawn in the same task as Uppy's Dashboard, which renders its own progress from the
      // same report: one frame per report instead of two (React would render in a later task).
      // The file in the event is Uppy's state from before this report (its own listener, which
      // came first, has since stored the new progress): the rows read the state, as the Dashboard
      // does, or they would show the previous report's percentage.
      [
        'upload-progress',
        (file: UploaderFile | undefined) => flushSync(() => onProgress(file && (uppy.getFile(file.id) ?? file))),
      ],
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

  return { rows, ...jobActions(setRows) };
}
