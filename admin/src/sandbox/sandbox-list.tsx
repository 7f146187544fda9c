import { Card, CardContent, Stack, Typography } from '@mui/material';
import { Link } from 'react-router-dom';
import CreateNewFolderIcon from '@mui/icons-material/CreateNewFolder';
import GroupAddIcon from '@mui/icons-material/GroupAdd';
import {
  Button,
  List,
  RecordContextProvider,
  TopToolbar,
  useGetList,
  useListContext,
  useRecordContext,
} from 'react-admin';
import type { SandboxContainer, SandboxGroup } from './sandbox-resource.js';

// Plain link buttons, not CreateButton: on phones that becomes one floating button, and two of
// them would lie on top of each other. On phones these are icons, so each has its own.
function SandboxActions() {
  return (
    <TopToolbar>
      <Button component={Link} to="/sandbox-groups/create" label="New group">
        <GroupAddIcon />
      </Button>
      <Button component={Link} to="/sandbox-containers/create" label="New dataset or screen">
        <CreateNewFolderIcon />
      </Button>
    </TopToolbar>
  );
}

/** The datasets and screens of the group in context. */
function Containers() {
  const group = useRecordContext<SandboxGroup>();
  const { data, isPending, error } = useGetList<SandboxContainer>(
    'sandbox-containers',
    { filter: { groupId: group?.id }, pagination: { page: 1, perPage: 1000 } },
    { enabled: Boolean(group) },
  );
  if (!group) return null;
  if (isPending) return <Typography variant="body2">Loading its datasets and screens…</Typography>;
  if (error) return <Typography color="error">Its datasets and screens could not be read: {error.message}</Typography>;
  if (!data?.length)
    return (
      <Typography variant="body2">
        No dataset or screen yet.{' '}
        <Link to={`/sandbox-containers/create?groupId=${encodeURIComponent(group.id)}`}>Create one</Link>.
      </Typography>
    );
  return (
    <ul aria-label={`Datasets and screens of ${group.name}`}>
      {data.map((container) => (
        <li key={container.id}>
          {container.type === 'SCREEN' ? 'Screen' : 'Dataset'} <strong>{container.name}</strong>
          {container.projectName ? ` in project ${container.projectName}` : ''}
        </li>
      ))}
    </ul>
  );
}

function Groups() {
  const { data, isPending } = useListContext<SandboxGroup>();
  if (!isPending && !data?.length) return <Typography sx={{ p: 2 }}>The sandbox has no group yet.</Typography>;
  return (
    <Stack spacing={1} sx={{ p: 1 }} component="ul" aria-label="Sandbox groups">
      {data?.map((group) => (
        <RecordContextProvider value={group} key={group.id}>
          <Card component="li" variant="outlined" sx={{ listStyle: 'none' }} aria-label={`Group ${group.name}`}>
            <CardContent>
              <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 600 }}>
                {group.name}
              </Typography>
              <Typography variant="body2" color="text.secondary">
                {group.readWrite ? 'Read-write' : 'Read-only'} ·{' '}
                {group.members.length ? `Members: ${group.members.join(', ')}` : 'No members'}
              </Typography>
              <Containers />
            </CardContent>
          </Card>
        </RecordContextProvider>
      ))}
    </Stack>
  );
}

/** Every group of the sandbox OMERO, whoever its members are, with its datasets and screens. */
export default function SandboxList() {
  return (
    <List
      resource="sandbox-groups"
      title="Sandbox OMERO"
      pagination={false}
      perPage={1000}
      sort={{ field: 'name', order: 'ASC' }}
      exporter={false}
      actions={<SandboxActions />}
      empty={false}
    >
      <Typography variant="body2" sx={{ px: 2, pt: 1 }}>
        The sandbox stands in for OMERO on this server: uploads are imported into its datasets and screens. Each user
        sees the groups they are a member of; this page shows all of them.
      </Typography>
      <Groups />
    </List>
  );
}
