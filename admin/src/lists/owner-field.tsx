import { Typography } from '@mui/material';
import { ReferenceField, TextField } from 'react-admin';
import { TimeField } from './time-field.js';

/**
 * The owner's username in place of their id: the page's owners are read in one request
 * (the owners resource's getMany), not one per row.
 */
export function OwnerField() {
  return (
    <ReferenceField source="ownerId" reference="owners" link={false} emptyText="a deleted user">
      <TextField source="username" />
    </ReferenceField>
  );
}

/** Who and when under a row's name, on a phone, where the table leaves out those columns. */
export function OwnerAndCreated() {
  return (
    <Typography component="span" variant="caption" color="text.secondary" sx={{ display: 'block' }}>
      <OwnerField /> · <TimeField source="createdAt" variant="inherit" />
    </Typography>
  );
}
