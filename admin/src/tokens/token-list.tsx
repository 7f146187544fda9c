import { Button, Chip, Stack, Typography, useMediaQuery, type Theme } from '@mui/material';
import { useState } from 'react';
import {
  AutocompleteInput,
  Confirm,
  DataTable,
  DateField,
  DeleteButton,
  List,
  ReferenceInput,
  SelectInput,
  useDeleteMany,
  useListContext,
  useNotify,
  useRecordContext,
} from 'react-admin';
import { RecordCards } from '../lists/record-cards.js';
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
  const notify = useNotify();
  if (!token || token.revokedAt) return null;
  return (
    <DeleteButton
      label="Revoke"
      mutationMode="pessimistic"
      confirmTitle={`Revoke ${token.username}'s token "${token.name}"?`}
      confirmContent={REVOKE_WARNING}
      // Our own message: react-admin's successMessage is a translation key it falls back from.
      mutationOptions={{ onSuccess: () => notify(`${token.username}'s token "${token.name}" is revoked.`) }}
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

/** The selected tokens, revoked in one request (revokeApiTokens) after a confirmation. */
function BulkRevoke() {
  const { selectedIds, onUnselectItems } = useListContext<UserApiToken>();
  const [open, setOpen] = useState(false);
  const notify = useNotify();
  const [revoke, { isPending }] = useDeleteMany<UserApiToken>();
  const count = selectedIds.length;
  const confirm = () =>
    revoke(
      'tokens',
      { ids: selectedIds },
      {
        mutationMode: 'pessimistic',
        onSuccess: () => {
          notify(`${count} ${count === 1 ? 'token is' : 'tokens are'} revoked.`);
          onUnselectItems();
          setOpen(false);
        },
        onError: (error) => {
          notify((error as Error).message, { type: 'error', autoHideDuration: 10_000 });
          setOpen(false);
        },
      },
    );
  return (
    <>
      <Button color="error" onClick={() => setOpen(true)} disabled={isPending}>
        Revoke
      </Button>
      <Confirm
        isOpen={open}
        loading={isPending}
        title={`Revoke the ${count} selected ${count === 1 ? 'token' : 'tokens'}?`}
        content={REVOKE_WARNING}
        confirm="Revoke"
        onConfirm={confirm}
        onClose={() => setOpen(false)}
      />
    </>
  );
}

/** Everyone's API tokens: who owns each, when it was last used; revoked with a confirmation. */
export default function TokenList() {
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
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
      {narrow ? <TokenCards /> : <TokenTable />}
    </List>
  );
}

const NO_TOKENS = 'No token matches these filters.';

function TokenTable() {
  return (
    <DataTable
      bulkActionButtons={<BulkRevoke />}
      rowClick={false}
      isRowSelectable={(token) => !token.revokedAt}
      empty={<Typography sx={{ p: 2 }}>{NO_TOKENS}</Typography>}
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
  );
}

/** At phone widths a table would scroll sideways: one card per token, revoked one at a time. */
function TokenCards() {
  return (
    <RecordCards<UserApiToken>
      label="API tokens"
      title={(token) => token.name}
      empty={<Typography sx={{ p: 2 }}>{NO_TOKENS}</Typography>}
    >
      {(token) => (
        <>
          <Typography variant="body2">
            {token.username}'s, starts with {token.tokenPrefix}
          </Typography>
          <Typography variant="caption" component="p" color="text.secondary">
            Created <DateField source="createdAt" showTime variant="caption" />, last used{' '}
            <DateField source="lastUsedAt" showTime emptyText="never" variant="caption" />
          </Typography>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mt: 1 }}>
            <State />
            <RevokeButton />
          </Stack>
        </>
      )}
    </RecordCards>
  );
}
