import { Chip, Stack, Typography, useMediaQuery, type Theme } from '@mui/material';
import {
  CreateButton,
  DataTable,
  DateField,
  List,
  NullableBooleanInput,
  TextInput,
  TopToolbar,
  useRecordContext,
} from 'react-admin';
import { useSandboxRunning } from '../sandbox/use-sandbox.js';
import { UserActions } from './user-actions.js';
import { RecordCards } from '../lists/record-cards.js';
import type { UserAccount } from './users-resource.js';

const filters = [
  <TextInput key="username" source="username" label="Username contains" alwaysOn resettable />,
  <NullableBooleanInput
    key="admin"
    source="admin"
    label="Role"
    nullLabel="Any"
    trueLabel="Administrators"
    falseLabel="Users"
    alwaysOn
  />,
  <NullableBooleanInput
    key="disabled"
    source="disabled"
    label="State"
    nullLabel="Any"
    trueLabel="Disabled"
    falseLabel="Enabled"
    alwaysOn
  />,
];

/** New accounts only with the sandbox: with a real OMERO, accounts come from OMERO sign-in. */
function UserListActions() {
  const localAccounts = useSandboxRunning();
  return <TopToolbar>{localAccounts && <CreateButton label="New user" />}</TopToolbar>;
}

/** Every account, paged, sorted and filtered by the server. */
export default function UserList() {
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('sm'));
  const localAccounts = useSandboxRunning();
  return (
    <List
      resource="users"
      title="Users"
      filters={filters}
      sort={{ field: 'username', order: 'ASC' }}
      exporter={false}
      actions={<UserListActions />}
      empty={false}
    >
      {localAccounts === false && (
        <Typography variant="body2" sx={{ px: 2, pt: 1 }}>
          Accounts come from OMERO: people sign in with their OMERO password, and OMERO decides their passwords and
          roles. Here you can only disable an account.
        </Typography>
      )}
      {narrow ? <UserCards /> : <UserTable />}
    </List>
  );
}

/** Plain text that is still an element, so that the cards' Stack spaces it like the chips. */
function Text({ children }: { children: string }) {
  return (
    <Typography component="span" variant="body2">
      {children}
    </Typography>
  );
}

function Role() {
  const user = useRecordContext<UserAccount>();
  if (!user) return null;
  return user.admin ? <Chip size="small" color="primary" label="Administrator" /> : <Text>User</Text>;
}

function State() {
  const user = useRecordContext<UserAccount>();
  if (!user) return null;
  return user.disabled ? <Chip size="small" color="error" label="Disabled" /> : <Text>Enabled</Text>;
}

function Origin() {
  const user = useRecordContext<UserAccount>();
  return user ? <>{user.omeroAccount ? 'OMERO' : 'This app'}</> : null;
}

function UserTable() {
  return (
    <DataTable bulkActionButtons={false} rowClick={false} empty={<NoUsers />}>
      <DataTable.Col source="username" label="Username" />
      <DataTable.Col source="admin" label="Role" disableSort>
        <Role />
      </DataTable.Col>
      <DataTable.Col source="disabled" label="State" disableSort>
        <State />
      </DataTable.Col>
      <DataTable.Col source="omeroAccount" label="Account" disableSort>
        <Origin />
      </DataTable.Col>
      <DataTable.Col source="createdAt" label="Created">
        <DateField source="createdAt" showTime />
      </DataTable.Col>
      <DataTable.Col source="lastLoginAt" label="Last sign-in">
        <DateField source="lastLoginAt" showTime emptyText="never" />
      </DataTable.Col>
      <DataTable.Col label="Actions" disableSort>
        <UserActions />
      </DataTable.Col>
    </DataTable>
  );
}

function NoUsers() {
  return <Typography sx={{ p: 2 }}>No account matches these filters. Clear a filter to see more.</Typography>;
}

/** At phone widths a table would scroll sideways: one card per account instead. */
function UserCards() {
  return (
    <RecordCards<UserAccount> label="Users" title={(user) => user.username} empty={<NoUsers />}>
      {() => (
        <>
          <Stack direction="row" spacing={1} sx={{ my: 1, alignItems: 'center' }}>
            <Role />
            <State />
            <Typography variant="caption">
              <Origin /> account
            </Typography>
          </Stack>
          <Typography variant="caption" component="p" color="text.secondary">
            Last sign-in <DateField source="lastLoginAt" showTime emptyText="never" variant="caption" />
          </Typography>
          <UserActions />
        </>
      )}
    </RecordCards>
  );
}
