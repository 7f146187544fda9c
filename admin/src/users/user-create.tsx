import {
  BooleanInput,
  Create,
  PasswordInput,
  SimpleForm,
  TextInput,
  regex,
  required,
  type Validator,
} from 'react-admin';
import { passwordProblem } from './reset-password.js';
import { useCreatedNotice } from '../provider/created-notice.js';
import { PASSWORD_RULE, type UserAccount } from './users-resource.js';

const USERNAME_RULE = '2 to 64 letters, digits or . _ @ -';
const validateUsername = [
  required('Give the new user a username.'),
  regex(/^[A-Za-z0-9._@-]{2,64}$/, `A username is ${USERNAME_RULE}.`),
];
const validatePassword: Validator = (value: string | undefined) =>
  value ? passwordProblem(value) : `Give a password of ${PASSWORD_RULE}.`;

/** A new account of the app (sandbox only: with OMERO, accounts come from OMERO sign-in). */
export default function UserCreate() {
  const created = useCreatedNotice<UserAccount>((user) => `${user.username} may now sign in.`, '/users');
  return (
    <Create resource="users" title="New user" mutationOptions={created}>
      <SimpleForm>
        <TextInput source="username" label="Username" validate={validateUsername} helperText={USERNAME_RULE} />
        <PasswordInput
          source="password"
          label="Password"
          validate={validatePassword}
          helperText={`${PASSWORD_RULE}; tell the user yourself`}
          autoComplete="new-password"
        />
        <BooleanInput source="admin" label="Administrator" helperText="May use this app" defaultValue={false} />
      </SimpleForm>
    </Create>
  );
}
