import { Typography, useMediaQuery, type Theme } from '@mui/material';
import { DataTable, DateField, DateInput, List, SelectInput, TextInput, useRecordContext } from 'react-admin';
import { RecordCards } from '../lists/record-cards.js';
import type { AuditEntry } from './audit-resource.js';
import { readableValue } from './audit-value.js';

const filters = [
  <SelectInput
    key="kind"
    source="kind"
    label="Of"
    choices={[
      { id: 'FLAG', name: 'Feature flags' },
      { id: 'SETTING', name: 'Uploader settings' },
    ]}
    emptyText="Everything"
    alwaysOn
  />,
  <TextInput key="key" source="key" label="Flag or setting" helperText="Its exact name, e.g. newUploader" />,
  <DateInput key="changedFrom" source="changedFrom" label="From (day)" alwaysOn />,
  <DateInput key="changedTo" source="changedTo" label="To (day, included)" alwaysOn />,
];

const KINDS = { FLAG: 'Flag', SETTING: 'Setting' } as const;

function Change() {
  const entry = useRecordContext<AuditEntry>();
  if (!entry) return null;
  return (
    <span>
      {readableValue(entry.key, entry.oldValue)} <span aria-label="changed to">→</span>{' '}
      <strong>{readableValue(entry.key, entry.newValue)}</strong>
    </span>
  );
}

function Kind() {
  const entry = useRecordContext<AuditEntry>();
  return entry ? <>{KINDS[entry.kind]}</> : null;
}

function NoEntries() {
  return (
    <Typography sx={{ p: 2 }}>
      No change matches these filters. Every switch of a flag and every change of a setting is listed here.
    </Typography>
  );
}

/** Every change of a flag or setting: who made it, when, and the value before and after. */
export default function AuditList() {
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <List
      resource="audit"
      title="Audit of changes"
      filters={filters}
      sort={{ field: 'changedAt', order: 'DESC' }}
      exporter={false}
      empty={false}
    >
      {narrow ? (
        <AuditCards />
      ) : (
        <DataTable bulkActionButtons={false} rowClick={false} empty={<NoEntries />}>
          <DataTable.Col source="changedAt" label="When">
            <DateField source="changedAt" showTime />
          </DataTable.Col>
          <DataTable.Col source="changedByUsername" label="Who" disableSort />
          <DataTable.Col source="kind" label="Of" disableSort>
            <Kind />
          </DataTable.Col>
          <DataTable.Col source="key" label="Flag or setting" />
          <DataTable.Col label="Change" disableSort>
            <Change />
          </DataTable.Col>
        </DataTable>
      )}
    </List>
  );
}

function AuditCards() {
  return (
    <RecordCards<AuditEntry> label="Changes" title={(entry) => entry.key} empty={<NoEntries />}>
      {(entry) => (
        <>
          <Change />
          <Typography variant="caption" component="p" color="text.secondary">
            <Kind /> changed by {entry.changedByUsername}, <DateField source="changedAt" showTime variant="caption" />
          </Typography>
        </>
      )}
    </RecordCards>
  );
}
