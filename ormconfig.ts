import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiToken } from './src/auth/api-token.entity.js';
import { LoginFailure } from './src/auth/login-failure.entity.js';
import { User } from './src/auth/user.entity.js';
import { AnalyticsEvent } from './src/analytics/analytics-event.entity.js';
import { FeatureFlag } from './src/config/feature-flag.entity.js';
import { UploaderSettings } from './src/config/uploader-settings.entity.js';
import { statementTimeouts } from './src/database/database-timeouts.js';
import { CreateAuthTables1763700000000 } from './src/database/migrations/1763700000000-create-auth-tables.js';
import { CreateUploadTables1763800000000 } from './src/database/migrations/1763800000000-create-upload-tables.js';
import { CreateImportTables1763900000000 } from './src/database/migrations/1763900000000-create-import-tables.js';
import { CreateOmeroSessions1764000000000 } from './src/database/migrations/1764000000000-create-omero-sessions.js';
import { ImportJobTriggers1764100000000 } from './src/database/migrations/1764100000000-import-job-triggers.js';
import { OmeroUserIds1764200000000 } from './src/database/migrations/1764200000000-omero-user-ids.js';
import { SandboxImportKeys1764400000000 } from './src/database/migrations/1764400000000-sandbox-import-keys.js';
import { ScrubImportJobErrors1764500000000 } from './src/database/migrations/1764500000000-scrub-import-job-errors.js';
import { CredentialsChangeTriggers1764600000000 } from './src/database/migrations/1764600000000-credentials-change-triggers.js';
import { AnalyticsViews1764700000000 } from './src/database/migrations/1764700000000-analytics-views.js';
import { ConfigAuditAndAdminLists1764710000000 } from './src/database/migrations/1764710000000-config-audit-and-admin-lists.js';
import { FileNameTrigramIndexes1764720000000 } from './src/database/migrations/1764720000000-file-name-trigram-indexes.js';
import { ImportJob } from './src/import/import-job.entity.js';
import { Upload } from './src/upload/upload.entity.js';

/**
 * The one description of the database, used by the app, by `npm run migration:run` and by the
 * TypeORM CLI. Entities and migrations are listed, not globbed, so the list is the same under
 * ts-jest, in dist/ and in the CLI. Add every new migration here.
 */
export const entities = [
  User,
  ApiToken,
  LoginFailure,
  FeatureFlag,
  UploaderSettings,
  Upload,
  AnalyticsEvent,
  ImportJob,
];
export const migrations = [
  CreateAuthTables1763700000000,
  CreateUploadTables1763800000000,
  CreateImportTables1763900000000,
  CreateOmeroSessions1764000000000,
  ImportJobTriggers1764100000000,
  OmeroUserIds1764200000000,
  SandboxImportKeys1764400000000,
  ScrubImportJobErrors1764500000000,
  CredentialsChangeTriggers1764600000000,
  AnalyticsViews1764700000000,
  ConfigAuditAndAdminLists1764710000000,
  FileNameTrigramIndexes1764720000000,
];

/**
 * `timeoutSeconds` bounds every connection attempt and statement of the pool (DATABASE_TIMEOUT_SECONDS);
 * without it nothing is bounded, for migrations and the CLI, whose statements may rightly be long.
 */
export function dataSourceOptions(url: string, timeoutSeconds?: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: 10,
      application_name: 'omero-uploader',
      ...(timeoutSeconds ? statementTimeouts(timeoutSeconds) : {}),
    },
  };
}

/**
 * For the TypeORM CLI (`npm run typeorm -- migration:generate …`), which needs a running server:
 * DATABASE_URL, or the URL the app prints when it starts its embedded PostgreSQL.
 */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://localhost/omero_uploader'));
