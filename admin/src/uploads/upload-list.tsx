import CancelIcon from '@mui/icons-material/Cancel';
import { Box, LinearProgress, Typography, useMediaQuery, type Theme } from '@mui/material';
import type { Query } from '@tanstack/react-query';
import { DataTable, List, useRecordContext, type GetListResult } from 'react-admin';
import { formatBytes } from '../../../web/src/format/units.js';
import { BulkActionButton } from '../lists/bulk-action.js';
import { BytesField } from '../lists/bytes-field.js';
import { fileFilters } from '../lists/file-filters.js';
import { ListEmpty, ListError, ListNoMatch } from '../lists/list-states.js';
import { OwnerAndCreated, OwnerField } from '../lists/owner-field.js';
import { StatusChip } from '../lists/status-chip.js';
import { TimeField } from '../lists/time-field.js';
import { useLiveResource } from '../provider/live.js';
import { IMPORT_JOB_UPDATED } from '../jobs/jobs-resource.js';
import type { Upload } from './uploads-resource.js';
import { UPLOAD_STATUS } from './upload-status.js';

const filters = fileFilters(UPLOAD_STATUS);

/**
 * How often a page holding unfinished uploads is read again for their progress: uploads have
 * no subscription (a PATCH carries many chunks a second), so the list polls, and only then.
 */
const PROGRESS_POLL_MS = 3000;

const hasUnfinished = (query: Query<GetListResult<Upload>>) =>
  (query.state.data?.data ?? []).some((upload) => upload.status === 'UPLOADING') ? PROGRESS_POLL_MS : false;

/** Bytes received of the whole, with a bar, for unfinished uploads; the size for the others. */
function ProgressField() {
  const upload = useRecordContext<Upload>();
  if (!upload) return null;
  if (upload.status !== 'UPLOADING') return <BytesField source="sizeBytes" />;
  if (!upload.sizeBytes) return <span>{formatBytes(upload.offsetBytes)} of an unknown size</span>;
  const percent = Math.floor((upload.offsetBytes / upload.sizeBytes) * 100);
  const text = `${formatBytes(upload.offsetBytes)} of ${formatBytes(upload.sizeBytes)} (${percent} %)`;
  return (
    <Box sx={{ minWidth: 120 }}>
      <Typography variant="body2" component="span">
        {text}
      </Typography>
      <LinearProgress variant="determinate" value={percent} aria-label={`Received ${text}`} />
    </Box>
  );
}

function FileCell({ narrow }: { narrow: boolean }) {
  const upload = useRecordContext<Upload>();
  if (!upload) return null;
  return (
    <span>
      <span style={{ overflowWrap: 'anywhere' }}>{upload.fileName}</span>
      {upload.errorMessage && (
        <Typography component="span" variant="caption" color="error" sx={{ display: 'block' }}>
          {upload.errorMessage}
        </Typography>
      )}
      {narrow && (
        <Box component="span" sx={{ display: 'block', maxWidth: 200 }}>
          <ProgressField />
        </Box>
      )}
      {narrow && <OwnerAndCreated />}
    </span>
  );
}

function BulkActions() {
  return (
    <BulkActionButton
      action="cancel"
      label="Cancel upload"
      icon={<CancelIcon />}
      wording={{ done: 'Cancelled', noun: 'upload' }}
    />
  );
}

/**
 * Everyone's uploads, a page at a time from the server, with the progress of unfinished ones.
 * Import events refresh the page too: an upload becomes "Imported" through its job.
 */
export default function UploadList() {
  useLiveResource('uploads', IMPORT_JOB_UPDATED);
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('md'));
  return (
    <List
      resource="uploads"
      title="Uploads"
      filters={filters}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      exporter={false}
      queryOptions={{ refetchInterval: hasUnfinished }}
      error={<ListError what="uploads" />}
      empty={
        <ListEmpty title="No uploads yet">
          Every file sent to the uploader appears here, whoever sent it: unfinished ones with their progress.
        </ListEmpty>
      }
    >
      <DataTable rowClick={false} bulkActionButtons={<BulkActions />} empty={<ListNoMatch what="uploads" />}>
        <DataTable.Col source="fileName" label="File">
          <FileCell narrow={narrow} />
        </DataTable.Col>
        <DataTable.Col source="status" label="Status">
          <StatusChip labels={UPLOAD_STATUS} />
        </DataTable.Col>
        {!narrow && (
          <DataTable.Col source="sizeBytes" label="Size or progress">
            <ProgressField />
          </DataTable.Col>
        )}
        {!narrow && (
          <DataTable.Col source="ownerId" label="User" disableSort>
            <OwnerField />
          </DataTable.Col>
        )}
        {!narrow && (
          <DataTable.Col source="createdAt" label="Created">
            <TimeField source="createdAt" />
          </DataTable.Col>
        )}
        {!narrow && (
          <DataTable.Col source="updatedAt" label="Last change">
            <TimeField source="updatedAt" />
          </DataTable.Col>
        )}
      </DataTable>
    </List>
  );
}
