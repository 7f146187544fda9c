import { ReferenceField, TextField } from 'react-admin';

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
