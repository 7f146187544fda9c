import CancelIcon from '@mui/icons-material/Cancel';
import ReplayIcon from '@mui/icons-material/Replay';
import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import { Labeled, ListButton, NumberField, Show, TextField, TopToolbar, useRecordContext } from 'react-admin';
import { useBulkAction } from '../lists/bulk-action.js';
import { BytesField } from '../lists/bytes-field.js';
import { OwnerField } from '../lists/owner-field.js';
import { StatusChip } from '../lists/status-chip.js';
import { TimeField } from '../lists/time-field.js';
import { useLiveResource } from '../provider/live.js';
import { TargetField } from './job-list.js';
import { IMPORT_JOB_UPDATED, type ImportJob } from './jobs-resource.js';
import { CANCELLABLE, CANCELLED, JOB_STATUS, RETRIED, RETRYABLE } from './job-status.js';

/** Retry or cancel this one job, whichever its status allows; the outcome is reported as for many. */
function JobActions() {
  const job = useRecordContext<ImportJob>();
  const retry = useBulkAction('jobs', 'retry', RETRIED);
  const cancel = useBulkAction('jobs', 'cancel', CANCELLED);
  const names = new Map(job ? [[job.id, job.fileName]] : []);
  return (
    <TopToolbar>
      <ListButton label="All import jobs" />
      {job && RETRYABLE.includes(job.status) && (
        <Button
          size="small"
          startIcon={<ReplayIcon />}
          disabled={retry.isPending}
          onClick={() => retry.mutate({ ids: [job.id], names })}
        >
          Retry
        </Button>
      )}
      {job && CANCELLABLE.includes(job.status) && (
        <Button
          size="small"
          startIcon={<CancelIcon />}
          disabled={cancel.isPending}
          onClick={() => cancel.mutate({ ids: [job.id], names })}
        >
          Cancel import
        </Button>
      )}
    </TopToolbar>
  );
}

/** Why the job failed, as its owner reads it, and what the importer said (administrators only). */
function Diagnosis() {
  const job = useRecordContext<ImportJob>();
  if (!job) return null;
  return (
    <Stack spacing={2} sx={{ mt: 1 }}>
      {job.error && (
        <Alert severity={job.status === 'FAILED' ? 'error' : 'warning'} aria-label="Error">
          {job.errorCode && <strong>{job.errorCode}: </strong>}
          {job.error}
        </Alert>
      )}
      <Box>
        <Typography variant="subtitle2" component="h2" id="importer-log-heading">
          Importer log
        </Typography>
        <Typography variant="caption" color="text.secondary" component="p">
          What the importer said in the last attempt. Only administrators see it: it may name server paths.
        </Typography>
        {job.importerLog ? (
          <Box
            component="pre"
            tabIndex={0}
            aria-labelledby="importer-log-heading"
            sx={{
              m: 0,
              p: 1.5,
              maxHeight: 360,
              overflow: 'auto',
              whiteSpace: 'pre-wrap',
              overflowWrap: 'anywhere',
              fontSize: 13,
              bgcolor: 'action.hover',
              borderRadius: 1,
            }}
          >
            {job.importerLog}
          </Box>
        ) : (
          <Typography>No log: the importer has not run for this job yet, or said nothing.</Typography>
        )}
      </Box>
    </Stack>
  );
}

/** One import job: where it stands, whose it is, and why it failed. Follows the job live. */
export default function JobShow() {
  useLiveResource('jobs', IMPORT_JOB_UPDATED);
  return (
    <Show resource="jobs" actions={<JobActions />} title={<JobTitle />}>
      <Box
        sx={{
          display: 'grid',
          gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, 1fr)', md: 'repeat(4, 1fr)' },
          gap: 2,
          p: 2,
        }}
      >
        <Labeled label="File" sx={{ gridColumn: '1 / -1' }}>
          <TextField source="fileName" sx={{ overflowWrap: 'anywhere' }} />
        </Labeled>
        <Labeled label="Status">
          <StatusChip labels={JOB_STATUS} />
        </Labeled>
        <Labeled label="User">
          <OwnerField />
        </Labeled>
        <Labeled label="Target">
          <TargetField />
        </Labeled>
        <Labeled label="Size">
          <BytesField source="sizeBytes" />
        </Labeled>
        <Labeled label="Created">
          <TimeField source="createdAt" />
        </Labeled>
        <Labeled label="Started">
          <TimeField source="startedAt" emptyText="not yet" />
        </Labeled>
        <Labeled label="Finished">
          <TimeField source="finishedAt" emptyText="not yet" />
        </Labeled>
        <Labeled label="Attempts in this run">
          <NumberField source="attempts" />
        </Labeled>
        <Labeled label="Images created">
          <NumberField source="omeroImageIds.length" />
        </Labeled>
        <Labeled label="Upload id" sx={{ gridColumn: { md: 'span 3' } }}>
          <TextField
            source="uploadId"
            emptyText="none: a file of the import folder"
            sx={{ overflowWrap: 'anywhere' }}
          />
        </Labeled>
      </Box>
      <Box sx={{ px: 2, pb: 2 }}>
        <Diagnosis />
      </Box>
    </Show>
  );
}

function JobTitle() {
  const job = useRecordContext<ImportJob>();
  return <span>Import of {job?.fileName ?? '…'}</span>;
}
