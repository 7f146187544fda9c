import { useEffect, useState } from 'react';
import { graphql } from '../api/graphql.js';
import { subscribe } from '../api/live.js';

/** On: the resumable web uploader. Off: the in-place importer (schema.gql, docs/api.md). */
export const NEW_UPLOADER = 'newUploader';

interface FeatureFlag {
  key: string;
  enabled: boolean;
}

const FEATURE_FLAGS = 'query FeatureFlags { featureFlags { key enabled } }';
const FEATURE_FLAG_CHANGED = `subscription FeatureFlagChanged($key: String) {
  featureFlagChanged(key: $key) { key enabled }
}`;

export type FlagState =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; enabled: boolean };

/**
 * A feature flag as the server has it now: read once, then followed live, so that an
 * administrator's switch reaches open pages within seconds. Switches sent while the socket was
 * down are not replayed: the flag is read again after each reconnect.
 */
export function useFeatureFlag(key: string): [FlagState, () => void] {
  const [flag, setFlag] = useState<FlagState>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    // A read that started before a live switch arrived must not undo that switch.
    let switches = 0;
    const read = () => {
      const seen = switches;
      graphql<{ featureFlags: FeatureFlag[] }>(FEATURE_FLAGS).then(
        ({ featureFlags }) => {
          if (!current || seen !== switches) return;
          // A flag the server does not know is on: the page then stays as it has always been.
          setFlag({ state: 'ready', enabled: featureFlags.find((f) => f.key === key)?.enabled ?? true });
        },
        (error: Error) =>
          current && setFlag((shown) => (shown.state === 'ready' ? shown : { state: 'error', message: error.message })),
      );
    };
    const stop = subscribe<{ featureFlagChanged: FeatureFlag }>(
      FEATURE_FLAG_CHANGED,
      { key },
      ({ featureFlagChanged }) => {
        switches += 1;
        if (current) setFlag({ state: 'ready', enabled: featureFlagChanged.enabled });
      },
      read,
    );
    read();
    return () => {
      current = false;
      stop();
    };
  }, [key, attempt]);

  const retry = () => {
    setFlag({ state: 'loading' });
    setAttempt((n) => n + 1);
  };
  return [flag, retry];
}
