import { Alert, Box, Typography } from '@mui/material';
import { useWatch } from 'react-hook-form';
import type { CollisionPolicy, NamingPolicy } from './settings-resource.js';

/** What each policy does, said with one file name so the choices compare at a glance. */
const choice = (id: string, name: string, example: string) => ({
  id,
  name: (
    <Box component="span" sx={{ display: 'block', py: 0.5 }}>
      <Typography component="span" sx={{ fontWeight: 600, display: 'block' }}>
        {name}
      </Typography>
      <Typography component="span" variant="body2" color="text.secondary">
        {example}
      </Typography>
    </Box>
  ),
});

export const NAMING_CHOICES = [
  choice('KEEP', 'Keep the name', 'scan.tif is stored as scan.tif (made safe for any file system).'),
  choice('INCREMENT', 'Number every file', 'scan.tif is stored as scan-0001.tif, the next one as scan-0002.tif, …'),
  choice('RANDOM_SUFFIX', 'Add a random suffix', 'scan.tif is stored as scan-3f9a1c2b.tif.'),
];

export const COLLISION_CHOICES = [
  choice(
    'RENAME',
    'Keep both files',
    'The new file is stored as scan (1).tif, then scan (2).tif, …: nothing is ever overwritten.',
  ),
  choice(
    'ERROR',
    'Refuse the upload',
    'The upload is refused before any byte is sent, asking the user to rename the file.',
  ),
  choice('OVERWRITE', 'Replace the older file', 'The new file takes the name; the older one is deleted.'),
];

/**
 * What the chosen pair of policies really does where the two interact: refusing happens only
 * when names are kept, and numbering under "replace" always reuses the first number.
 */
export function PolicyNote() {
  const naming = useWatch({ name: 'namingPolicy' }) as NamingPolicy | undefined;
  const collision = useWatch({ name: 'collisionPolicy' }) as CollisionPolicy | undefined;
  let note: string | undefined;
  if (collision === 'ERROR' && naming && naming !== 'KEEP')
    note =
      'Uploads are refused only when names are kept. With this naming a taken name is resolved as under “Keep both files”.';
  if (collision === 'OVERWRITE' && naming === 'INCREMENT')
    note = 'With numbered names, every upload of scan.tif replaces scan-0001.tif: numbering never moves on.';
  if (!note) return null;
  return (
    <Alert severity="info" role="status" sx={{ maxWidth: 720, mb: 2 }}>
      {note}
    </Alert>
  );
}
