import { Chip, Typography } from '@mui/material';
import {
  AutocompleteInput,
  BulkDeleteButton,
  DataTable,
  DateField,
  DeleteButton,
  List,
  ReferenceInput,
  SelectInput,
  useRecordContext,
} from 'react-admin';
import type { UserApiToken } from './tokens-resource.js';

const filters = [
  <SelectInput
    key="active"
    source="active"
    label="State"
    choices={[
      { id: true, name: 'Live' },
      { id: false, name: 'Revoked' },
    ]}
    emptyText="Any"
    alwaysOn
  />,
  <ReferenceInput key="userId" source="userId" reference="users" alwaysOn>
    <AutocompleteInput label="Owner" optionText="username" filterToQuery={(username) => ({ username })} />
  </ReferenceInput>,
];

const REVOKE_WARNING =
  'Scripts and integrations that use it are refused from their next request, open connections included. This cannot be undone: the owner makes a new token.';

function RevokeButton() {
  const token = useRecordContext<UserApiToken>();
  if (!token || token.revokedAt) return null;
  return (
    <DeleteButton
      label="Revoke"
      mutationMode="pessimistic"
      confirmTitle={`Revoke ${token.username}'s token "${token.name}"?`}
      confirmContent={REVOKE_WARNING}
      successMessage="The token is revoked."
      redirect={false}
    />
  );
}

function State() {
  const token = useRecordContext<UserApiToken>();
  if (!token) return null;
  if (!token.revokedAt) return <Chip size="small" color="success" label="Live" />;
  return (
    <>
      Revoked <DateField source="revokedAt" showTime />
    </>
  );
}

function BulkRevoke() {
  return (
    <BulkDeleteButton
      label="Revoke"
      mutationMode="pessimistic"
      confirmTitle="Revoke the selected tokens?"
      confirmContent={REVOKE_WARNING}
      successMessage="The selected tokens are revoked."
    />
  );
}

/** Everyone's API tokens: who owns each, when it was last used; revoked with a confirmation. */
export default function TokenList() {
  return (
    <List
      resource="tokens"
      title="API tokens"
      filters={filters}
      filterDefaultValues={{ active: true }}
      sort={{ field: 'createdAt', order: 'DESC' }}
      exporter={false}
      actions={false}
      empty={false}
    >
      <Typography variant="body2" sx={{ px: 2, pt: 1 }}>
        API tokens do not expire: they work until revoked, or until their owner is disabled.
      </Typography>
      <DataTable
        bulkActionButtons={<BulkRevoke />}
        rowClick={false}
        isRowSelectable={(token) => !token.revokedAt}
        empty={<Typography sx={{ p: 2 }}>No token matches these filters.</Typography>}
      >
        <DataTable.Col source="name" label="Name" />
        <DataTable.Col source="tokenPrefix" label="Starts with" disableSort />
        <DataTable.Col source="username" label="Owner" disableSort />
        <DataTable.Col source="createdAt" label="Created">
          <DateField source="createdAt" showTime />
        </DataTable.Col>
        <DataTable.Col source="lastUsedAt" label="Last used">
          <DateField source="lastUsedAt" showTime emptyText="never" />
        </DataTable.Col>
        <DataTable.Col label="State" disableSort>
          <State />
        </DataTable.Col>
        <DataTable.Col label="" disableSort>
          <RevokeButton />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
