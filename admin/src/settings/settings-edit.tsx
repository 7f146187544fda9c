import { Typography } from '@mui/material';
import type { ReactNode } from 'react';
import {
  BooleanInput,
  Edit,
  NumberInput,
  RadioButtonGroupInput,
  SaveButton,
  SimpleForm,
  Toolbar,
  useNotify,
} from 'react-admin';
import { useLiveResource } from '../provider/live.js';
import { byteRange, ByteSizeInput } from './byte-size-input.js';
import { ExtensionsInput } from './extensions-input.js';
import { COLLISION_CHOICES, NAMING_CHOICES, PolicyNote } from './policy-choices.js';
import { UPLOADER_SETTINGS_CHANGED } from './settings-resource.js';

const MIB = 1024 ** 2;
/** The server's limits (UploaderSettingsInput). */
const MAX_FILE = { min: 1, max: Number.MAX_SAFE_INTEGER };
const CHUNK = { min: MIB, max: 1024 * MIB };
const EXPIRY_HOURS = { min: 1, max: 24 * 365 };

const validateExpiry = (value: unknown) => {
  const hours = value as number | null;
  const allowed = `Allowed: whole hours from ${EXPIRY_HOURS.min} to ${EXPIRY_HOURS.max} (a year).`;
  if (hours === null || hours === undefined || Number.isNaN(hours)) return `Give a number of hours. ${allowed}`;
  if (!Number.isInteger(hours) || hours < EXPIRY_HOURS.min || hours > EXPIRY_HOURS.max)
    return `${hours} is not allowed. ${allowed}`;
  return undefined;
};

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <>
      <Typography variant="h6" component="h2" sx={{ mt: 2 }}>
        {title}
      </Typography>
      {children}
    </>
  );
}

/**
 * The uploader's limits and policies. Saved only when the server has accepted them
 * (pessimistic), checked here first against the same limits the server applies, and kept in
 * step with changes another administrator saves meanwhile.
 */
export default function SettingsEdit() {
  useLiveResource('settings', UPLOADER_SETTINGS_CHANGED);
  const notify = useNotify();
  return (
    <Edit
      resource="settings"
      title="Uploader settings"
      mutationMode="pessimistic"
      mutationOptions={{
        onSuccess: () => notify('Settings saved: the uploader follows them from now on.', { type: 'success' }),
      }}
      redirect={false}
      actions={false}
    >
      <SimpleForm
        warnWhenUnsavedChanges
        toolbar={
          <Toolbar>
            <SaveButton label="Save settings" />
          </Toolbar>
        }
      >
        <Section title="What may be uploaded">
          <ByteSizeInput
            source="maxFileSizeBytes"
            label="Largest file"
            units={['MiB', 'GiB', 'TiB']}
            validate={byteRange('the largest file size', MAX_FILE.min, MAX_FILE.max)}
            helperText="Larger files are refused before any byte is sent."
          />
          <ExtensionsInput
            source="allowedExtensions"
            label="Accepted extensions"
            helperText="Type an extension (tif, ome.tiff) and press Enter. Files with any other extension are refused."
          />
        </Section>
        <Section title="How uploads run">
          <ByteSizeInput
            source="chunkSizeBytes"
            label="Chunk size"
            units={['MiB', 'GiB']}
            validate={byteRange('a chunk size', CHUNK.min, CHUNK.max)}
            helperText="What a browser sends per request: larger chunks cost the server less, smaller ones lose less when a connection drops. 1 MiB to 1 GiB."
          />
          <NumberInput
            source="uploadExpiryHours"
            label="Delete unfinished uploads after (hours)"
            validate={validateExpiry}
            min={EXPIRY_HOURS.min}
            max={EXPIRY_HOURS.max}
            step={1}
            helperText="Counted from when the upload started; its bytes are then deleted. 1 to 8760 hours (168 is a week)."
            sx={{ maxWidth: 520, width: '100%' }}
          />
          <BooleanInput
            source="autoImport"
            label="Import as soon as an upload completes"
            helperText="Uploads that name a dataset or screen are queued for import when their last byte arrives. Off: users start each import themselves."
          />
        </Section>
        <Section title="File names in the owner's folder">
          <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 720, mb: 1 }}>
            Users keep seeing the name their file had; these decide the name its stored copy gets in the owner's folder.
            The naming policy picks a name; the collision policy says what happens when that name is already taken.
          </Typography>
          <RadioButtonGroupInput source="namingPolicy" label="Naming policy" choices={NAMING_CHOICES} row={false} />
          <RadioButtonGroupInput
            source="collisionPolicy"
            label="When the name is taken"
            choices={COLLISION_CHOICES}
            row={false}
          />
          <PolicyNote />
        </Section>
      </SimpleForm>
    </Edit>
  );
}
