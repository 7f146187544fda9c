import { Typography, useMediaQuery, type Theme } from '@mui/material';
import { DataTable, DateField, List, useRecordContext } from 'react-admin';
import { RecordCards } from '../lists/record-cards.js';
import { useLiveResource } from '../provider/live.js';
import { FlagToggle } from './flag-toggle.js';
import { FEATURE_FLAG_CHANGED, type FeatureFlag } from './flags-resource.js';

/**
 * The feature flags, each switched with one click. The list follows changes made elsewhere
 * (another administrator, another instance) as they happen.
 */
export default function FlagList() {
  useLiveResource('flags', FEATURE_FLAG_CHANGED);
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  return (
    <List
      resource="flags"
      title="Feature flags"
      pagination={false}
      perPage={1000}
      sort={{ field: 'key', order: 'ASC' }}
      exporter={false}
      actions={false}
      empty={<Typography sx={{ p: 2 }}>No feature flags are defined.</Typography>}
    >
      {narrow ? <FlagCards /> : <FlagTable />}
    </List>
  );
}

function FlagTable() {
  return (
    <DataTable bulkActionButtons={false} rowClick={false}>
      <DataTable.Col source="key" label="Flag" />
      <DataTable.Col source="description" label="What it does" disableSort />
      <DataTable.Col source="enabled" label="State">
        <FlagToggle />
      </DataTable.Col>
      <DataTable.Col source="updatedAt" label="Last changed">
        <DateField source="updatedAt" showTime />
      </DataTable.Col>
      <DataTable.Col source="updatedByUsername" label="By" disableSort>
        <ChangedBy />
      </DataTable.Col>
    </DataTable>
  );
}

/** At phone widths a table would scroll sideways: one card per flag instead. */
function FlagCards() {
  return (
    <RecordCards<FeatureFlag> label="Feature flags" title={(flag) => flag.key}>
      {(flag) => (
        <>
          <Typography variant="body2" sx={{ mb: 1 }}>
            {flag.description}
          </Typography>
          <FlagToggle />
          <Typography variant="caption" component="p" color="text.secondary">
            Last changed <DateField source="updatedAt" showTime variant="caption" />
            <ChangedBy prefix=" by " />
          </Typography>
        </>
      )}
    </RecordCards>
  );
}

/**
 * Who last switched the flag. Unknown for a flag never switched (its initial value) or whose
 * administrator's account is gone: the table says so, a card's sentence leaves it out.
 */
function ChangedBy({ prefix }: { prefix?: string }) {
  const flag = useRecordContext<FeatureFlag>();
  if (!flag) return null;
  if (!flag.updatedByUsername) return prefix ? null : <>not recorded</>;
  return (
    <>
      {prefix}
      {flag.updatedByUsername}
    </>
  );
}
