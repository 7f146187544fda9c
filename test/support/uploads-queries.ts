import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { graphql } from './clients.js';
import { adminToken, dataDir, db, server, user } from './uploads-world.js';

const UPLOAD = `query($id: ID!) { upload(id: $id) {
  id fileName storedName sizeBytes offsetBytes status detectedFormat sha256 errorMessage completedAt } }`;

export interface UploadView {
  id: string;
  fileName: string;
  storedName: string | null;
  sizeBytes: number | null;
  offsetBytes: number;
  status: string;
  detectedFormat: string | null;
  sha256: string | null;
  errorMessage: string | null;
}

/** Reads and settings changes of the uploads tests, on the world of `uploads-world.ts`. */
export const view = async (id: string, token = user.token) =>
  (await graphql<{ upload: UploadView | null }>(server.url, token, UPLOAD, { id })).data?.upload;
export const incomingFiles = () => readdirSync(join(dataDir, 'uploads', 'incoming'));
export const events = async (uploadId: string) =>
  (
    await db.query<{ event_type: string; error_code: string | null; size_bytes: string | null }>(
      'SELECT event_type, error_code, size_bytes, duration_ms, bytes_per_second FROM analytics_events WHERE upload_id = $1 ORDER BY id',
      [uploadId],
    )
  ).rows;
export const setSettings = (input: Record<string, unknown>) =>
  graphql(
    server.url,
    adminToken,
    'mutation($input: UploaderSettingsInput!) { updateUploaderSettings(input: $input) { maxFileSizeBytes } }',
    { input },
  );
export const setFlag = (enabled: boolean) =>
  graphql(
    server.url,
    adminToken,
    'mutation($enabled: Boolean!) { setFeatureFlag(key: "newUploader", enabled: $enabled) { enabled } }',
    { enabled },
  );
