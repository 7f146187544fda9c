import CloudUploadIcon from '@mui/icons-material/CloudUpload';
import DashboardIcon from '@mui/icons-material/Dashboard';
import FlagIcon from '@mui/icons-material/Flag';
import ImportExportIcon from '@mui/icons-material/ImportExport';
import HistoryIcon from '@mui/icons-material/History';
import KeyIcon from '@mui/icons-material/Key';
import PeopleIcon from '@mui/icons-material/People';
import ScienceIcon from '@mui/icons-material/Science';
import TuneIcon from '@mui/icons-material/Tune';
import { lazy, type ReactNode } from 'react';
import { Admin, CustomRoutes, Layout, Menu, Resource } from 'react-admin';
import { BrowserRouter, Route } from 'react-router-dom';
import { authProvider } from './auth/auth-provider.js';
import { graphqlDataProvider, withServerValidation } from './provider/data-provider.js';
import { flagsResource } from './flags/flags-resource.js';
import { SETTINGS_ID, settingsResource } from './settings/settings-resource.js';
import { jobsResource } from './jobs/jobs-resource.js';
import { ownersResource } from './lists/owners-resource.js';
import { uploadsResource } from './uploads/uploads-resource.js';
import { usersResource } from './users/users-resource.js';
import { tokensResource } from './tokens/tokens-resource.js';
import { auditResource } from './audit/audit-resource.js';
import { sandboxContainersResource, sandboxGroupsResource } from './sandbox/sandbox-resource.js';
import { useSandboxRunning } from './sandbox/use-sandbox.js';

// Each page is its own chunk, loaded when first visited.
const FlagList = lazy(() => import('./flags/flag-list.js'));
const SettingsEdit = lazy(() => import('./settings/settings-edit.js'));
const JobList = lazy(() => import('./jobs/job-list.js'));
const JobShow = lazy(() => import('./jobs/job-show.js'));
const UploadList = lazy(() => import('./uploads/upload-list.js'));
const UserList = lazy(() => import('./users/user-list.js'));
const UserCreate = lazy(() => import('./users/user-create.js'));
const TokenList = lazy(() => import('./tokens/token-list.js'));
const AuditList = lazy(() => import('./audit/audit-list.js'));
const SandboxList = lazy(() => import('./sandbox/sandbox-list.js'));
const SandboxGroupCreate = lazy(() =>
  import('./sandbox/sandbox-create.js').then((module) => ({ default: module.SandboxGroupCreate })),
);
const SandboxContainerCreate = lazy(() =>
  import('./sandbox/sandbox-create.js').then((module) => ({ default: module.SandboxContainerCreate })),
);
// A page of its own, not the home page: its charts (recharts) would take the first load of the
// app over its 350 KB budget. The home page is the first resource's list, the feature flags.
const DashboardPage = lazy(() => import('./dashboard/dashboard.js'));

/** One provider for every resource: a spec per resource, decorated once. */
const dataProvider = withServerValidation(
  graphqlDataProvider({
    flags: flagsResource,
    settings: settingsResource,
    jobs: jobsResource,
    uploads: uploadsResource,
    owners: ownersResource,
    users: usersResource,
    tokens: tokensResource,
    audit: auditResource,
    'sandbox-groups': sandboxGroupsResource,
    'sandbox-containers': sandboxContainersResource,
  }),
);

function AdminMenu() {
  // Only where the sandbox runs; with a real OMERO its groups are managed in OMERO.
  const sandbox = useSandboxRunning();
  return (
    <Menu>
      <Menu.Item to="/dashboard" primaryText="Dashboard" leftIcon={<DashboardIcon />} />
      <Menu.Item to="/flags" primaryText="Feature flags" leftIcon={<FlagIcon />} />
      <Menu.Item to={`/settings/${SETTINGS_ID}`} primaryText="Uploader settings" leftIcon={<TuneIcon />} />
      <Menu.Item to="/jobs" primaryText="Import jobs" leftIcon={<ImportExportIcon />} />
      <Menu.Item to="/uploads" primaryText="Uploads" leftIcon={<CloudUploadIcon />} />
      <Menu.Item to="/users" primaryText="Users" leftIcon={<PeopleIcon />} />
      <Menu.Item to="/tokens" primaryText="API tokens" leftIcon={<KeyIcon />} />
      <Menu.Item to="/audit" primaryText="Audit of changes" leftIcon={<HistoryIcon />} />
      {sandbox && <Menu.Item to="/sandbox-groups" primaryText="Sandbox OMERO" leftIcon={<ScienceIcon />} />}
    </Menu>
  );
}

function AdminLayout({ children }: { children: ReactNode }) {
  return <Layout menu={AdminMenu}>{children}</Layout>;
}

/**
 * The administration app, for administrators only (the gate lets no one else this far, and
 * the server refuses admin operations to anyone else). Real URLs under /admin: the server
 * answers any of them with this app.
 */
export default function AdminApp() {
  return (
    <BrowserRouter basename="/admin">
      <Admin
        title="OMERO uploader administration"
        dataProvider={dataProvider}
        authProvider={authProvider}
        layout={AdminLayout}
        loginPage={false}
        disableTelemetry
      >
        <Resource name="flags" list={FlagList} options={{ label: 'Feature flags' }} recordRepresentation="key" />
        <Resource name="settings" edit={SettingsEdit} options={{ label: 'Uploader settings' }} />
        <Resource
          name="jobs"
          list={JobList}
          show={JobShow}
          options={{ label: 'Import jobs' }}
          recordRepresentation="fileName"
        />
        <Resource name="uploads" list={UploadList} options={{ label: 'Uploads' }} recordRepresentation="fileName" />
        <Resource name="owners" recordRepresentation="username" />
        <Resource name="users" list={UserList} create={UserCreate} recordRepresentation="username" />
        <Resource name="tokens" list={TokenList} options={{ label: 'API tokens' }} recordRepresentation="name" />
        <Resource name="audit" list={AuditList} options={{ label: 'Audit of changes' }} />
        <Resource
          name="sandbox-groups"
          list={SandboxList}
          create={SandboxGroupCreate}
          options={{ label: 'Sandbox OMERO' }}
          recordRepresentation="name"
        />
        <Resource name="sandbox-containers" create={SandboxContainerCreate} recordRepresentation="name" />
        <CustomRoutes>
          <Route path="/dashboard" element={<DashboardPage />} />
        </CustomRoutes>
      </Admin>
    </BrowserRouter>
  );
}
