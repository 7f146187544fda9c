import CancelIcon from '@mui/icons-material/Cancel';
import ReplayIcon from '@mui/icons-material/Replay';
import { Typography, useMediaQuery, type Theme } from '@mui/material';
import { DataTable, Link, List, useCreatePath, useRecordContext } from 'react-admin';
import { BytesField } from '../lists/bytes-field.js';
import { BulkActionButton } from '../lists/bulk-action.js';
import { fileFilters } from '../lists/file-filters.js';
import { ListEmpty, ListError, ListNoMatch } from '../lists/list-states.js';
import { OwnerAndCreated, OwnerField } from '../lists/owner-field.js';
import { StatusChip } from '../lists/status-chip.js';
import { TimeField } from '../lists/time-field.js';
import { useLiveResource } from '../provider/live.js';
import { IMPORT_JOB_UPDATED, type ImportJob } from './jobs-resource.js';
import { CANCELLED, JOB_STATUS, RETRIED } from './job-status.js';

const filters = fileFilters(JOB_STATUS);

/** "Dataset 12", with its group: the job records ids only, and naming them would cost OMERO calls per row. */
export function TargetField() {
  const job = useRecordContext<Pick<ImportJob, 'targetType' | 'targetId' | 'groupId'>>();
  if (!job?.targetType) return <span>—</span>;
  return (
    <Typography component="span" variant="body2">
      {job.targetType === 'SCREEN' ? 'Screen' : 'Dataset'} {job.targetId}
      <Typography component="span" variant="caption" color="text.secondary" sx={{ display: 'block' }}>
        group {job.groupId}
      </Typography>
    </Typography>
  );
}

function BulkActions() {
  return (
    <>
      <BulkActionButton action="retry" label="Retry" icon={<ReplayIcon />} wording={RETRIED} />
      <BulkActionButton action="cancel" label="Cancel import" icon={<CancelIcon />} wording={CANCELLED} />
    </>
  );
}

/**
 * The file name links to the job's page (the whole row does too, for the mouse; the link is what
 * the keyboard reaches). On a phone the owner and creation time go under it instead of into columns.
 */
function FileCell({ narrow }: { narrow: boolean }) {
  const job = useRecordContext<ImportJob>();
  const createPath = useCreatePath();
  if (!job) return null;
  return (
    <span>
      <Link
        to={createPath({ resource: 'jobs', type: 'show', id: job.id })}
        onClick={(event: { stopPropagation(): void }) => event.stopPropagation()}
        sx={{ overflowWrap: 'anywhere' }}
      >
        {job.fileName}
      </Link>
      {narrow && <OwnerAndCreated />}
    </span>
  );
}

/**
 * Everyone's import jobs, a page at a time from the server (which sorts, filters and counts),
 * kept current by `importJobUpdated`: each event invalidates the cached pages, so a job that a
 * worker picks up or finishes changes here without a reload.
 */
export default function JobList() {
  useLiveResource('jobs', IMPORT_JOB_UPDATED);
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('md'));
  return (
    <List
      resource="jobs"
      title="Import jobs"
      filters={filters}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      exporter={false}
      error={<ListError what="import jobs" />}
      empty={
        <ListEmpty title="No import jobs yet">
          Every import of an uploaded or server file appears here, whoever started it, with its progress and outcome.
        </ListEmpty>
      }
    >
      <DataTable rowClick="show" bulkActionButtons={<BulkActions />} empty={<ListNoMatch what="import jobs" />}>
        <DataTable.Col source="fileName" label="File">
          <FileCell narrow={narrow} />
        </DataTable.Col>
        <DataTable.Col source="status" label="Status">
          <StatusChip labels={JOB_STATUS} />
        </DataTable.Col>
        {!narrow && (
          <DataTable.Col source="ownerId" label="User" disableSort>
            <OwnerField />
          </DataTable.Col>
        )}
        {!narrow && (
          <DataTable.Col source="targetId" label="Target" disableSort>
            <TargetField />
          </DataTable.Col>
        )}
        {!narrow && (
          <DataTable.Col source="sizeBytes" label="Size">
            <BytesField source="sizeBytes" />
          </DataTable.Col>
        )}
        {!narrow && <DataTable.NumberCol source="attempts" label="Attempts" disableSort />}
        {!narrow && (
          <DataTable.Col source="createdAt" label="Created">
            <TimeField source="createdAt" />
          </DataTable.Col>
        )}
        {!narrow && (
          <DataTable.Col source="finishedAt" label="Finished" disableSort>
            <TimeField source="finishedAt" emptyText="not yet" />
          </DataTable.Col>
        )}
      </DataTable>
    </List>
  );
}
