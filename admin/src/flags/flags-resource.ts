import { graphql } from '../../../web/src/api/graphql.js';
import type { ResourceSpec } from '../provider/resource-spec.js';

/** A feature flag as schema.gql has it; react-admin's id is its key. */
export interface FeatureFlag {
  id: string;
  key: string;
  enabled: boolean;
  description: string;
  updatedAt: string;
  /** Who last switched it; null if never switched, or their account is gone. */
  updatedByUsername: string | null;
}

const FIELDS = 'key enabled description updatedAt updatedByUsername';

export const FEATURE_FLAGS = `query FeatureFlags { featureFlags { ${FIELDS} } }`;
const SET_FEATURE_FLAG = `mutation SetFeatureFlag($key: String!, $enabled: Boolean!) {
  setFeatureFlag(key: $key, enabled: $enabled) { ${FIELDS} }
}`;
export const FEATURE_FLAG_CHANGED = `subscription FeatureFlagChanged { featureFlagChanged { ${FIELDS} } }`;

const withId = (flag: Omit<FeatureFlag, 'id'>): FeatureFlag => ({ ...flag, id: flag.key });

/** Few and unpaged: the list is read whole and sorted here. */
export const flagsResource: ResourceSpec<FeatureFlag> = {
  all: async () => (await graphql<{ featureFlags: FeatureFlag[] }>(FEATURE_FLAGS)).featureFlags.map(withId),
  update: async (key, { enabled }) =>
    withId(
      (await graphql<{ setFeatureFlag: FeatureFlag }>(SET_FEATURE_FLAG, { key, enabled: Boolean(enabled) }))
        .setFeatureFlag,
    ),
};
