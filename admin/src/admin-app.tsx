import FlagIcon from '@mui/icons-material/Flag';
import TuneIcon from '@mui/icons-material/Tune';
import { lazy, type ReactNode } from 'react';
import { Admin, Layout, Menu, Resource } from 'react-admin';
import { BrowserRouter } from 'react-router-dom';
import { authProvider } from './auth/auth-provider.js';
import { graphqlDataProvider, withServerValidation } from './provider/data-provider.js';
import { flagsResource } from './flags/flags-resource.js';
import { SETTINGS_ID, settingsResource } from './settings/settings-resource.js';

// Each page is its own chunk, loaded when first visited.
const FlagList = lazy(() => import('./flags/flag-list.js'));
const SettingsEdit = lazy(() => import('./settings/settings-edit.js'));
// The home page; charts (recharts) are loaded only with it.
const DashboardPage = lazy(() => import('./dashboard/dashboard.js'));

/** One provider for every resource: a spec per resource, decorated once. */
const dataProvider = withServerValidation(
  graphqlDataProvider({
    flags: flagsResource,
    settings: settingsResource,
  }),
);

function AdminMenu() {
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.Item to="/flags" primaryText="Feature flags" leftIcon={<FlagIcon />} />
      <Menu.Item to={`/settings/${SETTINGS_ID}`} primaryText="Uploader settings" leftIcon={<TuneIcon />} />
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
        dashboard={DashboardPage}
        loginPage={false}
        disableTelemetry
      >
        <Resource name="flags" list={FlagList} options={{ label: 'Feature flags' }} recordRepresentation="key" />
        <Resource name="settings" edit={SettingsEdit} options={{ label: 'Uploader settings' }} />
      </Admin>
    </BrowserRouter>
  );
}
