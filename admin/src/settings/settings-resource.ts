import { graphql } from '../../../web/src/api/graphql.js';
import type { UploaderSettings as UploaderLimits } from '../../../web/src/api/operations.js';
import { changedFields, type ResourceSpec } from '../provider/resource-spec.js';

export type NamingPolicy = 'KEEP' | 'INCREMENT' | 'RANDOM_SUFFIX';
export type CollisionPolicy = 'RENAME' | 'ERROR' | 'OVERWRITE';

/** The whole of schema.gql's UploaderSettings: what the web app reads, and the policies. */
export interface UploaderSettings extends UploaderLimits {
  id: string;
  uploadExpiryHours: number;
  namingPolicy: NamingPolicy;
  collisionPolicy: CollisionPolicy;
}

/** There is one set of settings; react-admin edits it as the record with this id. */
export const SETTINGS_ID = 'uploader';

const FIELDS = [
  'maxFileSizeBytes',
  'allowedExtensions',
  'chunkSizeBytes',
  'autoImport',
  'uploadExpiryHours',
  'namingPolicy',
  'collisionPolicy',
] as const;

const SELECTION = FIELDS.join(' ');
export const UPLOADER_SETTINGS = `query AdminUploaderSettings { uploaderSettings { ${SELECTION} } }`;
const UPDATE_UPLOADER_SETTINGS = `mutation UpdateUploaderSettings($input: UploaderSettingsInput!) {
  updateUploaderSettings(input: $input) { ${SELECTION} }
}`;
export const UPLOADER_SETTINGS_CHANGED = `subscription AdminUploaderSettingsChanged { uploaderSettingsChanged { ${SELECTION} } }`;

const withId = (settings: Omit<UploaderSettings, 'id'>): UploaderSettings => ({ ...settings, id: SETTINGS_ID });

export const settingsResource: ResourceSpec<UploaderSettings> = {
  one: async () => withId((await graphql<{ uploaderSettings: UploaderSettings }>(UPLOADER_SETTINGS)).uploaderSettings),
  // Only what this form changed is sent: another administrator's change to other fields stays.
  update: async (_id, data, previous) =>
    withId(
      (
        await graphql<{ updateUploaderSettings: UploaderSettings }>(UPDATE_UPLOADER_SETTINGS, {
          input: changedFields(data, previous, FIELDS),
        })
      ).updateUploaderSettings,
    ),
};
