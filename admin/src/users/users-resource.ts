import type { Identifier } from 'react-admin';
import { graphql } from '../../../web/src/api/graphql.js';
import { readOne, readPage, type PageQuery } from '../provider/page-query.js';
import type { ResourceSpec } from '../provider/resource-spec.js';

/** schema.gql's UserAccount, with `admin` read from its roles for react-admin's fields. */
export interface UserAccount {
  id: string;
  username: string;
  roles: string[];
  admin: boolean;
  disabled: boolean;
  omeroAccount: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

/** What the forms and actions send: the create form, or one change of an account. */
export interface UserChange {
  username?: string;
  password?: string;
  admin?: boolean;
  disabled?: boolean;
}

const FIELDS = 'id username roles disabled omeroAccount createdAt lastLoginAt';

const USERS_QUERY: PageQuery = {
  name: 'adminUsers',
  sortType: 'UserSort',
  filterType: 'UserFilter',
  fields: FIELDS,
  sortFields: { username: 'USERNAME', createdAt: 'CREATED_AT', lastLoginAt: 'LAST_LOGIN_AT' },
};

const toUser = (item: Record<string, unknown>): UserAccount => {
  const account = item as unknown as Omit<UserAccount, 'admin'>;
  return { ...account, admin: account.roles.includes('admin') };
};

const SET_DISABLED = `mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {
  setUserDisabled(id: $id, disabled: $disabled) { ${FIELDS} }
}`;
const SET_ADMIN = `mutation SetUserAdmin($id: ID!, $admin: Boolean!) { setUserAdmin(id: $id, admin: $admin) { ${FIELDS} } }`;
const RESET_PASSWORD = `mutation ResetUserPassword($id: ID!, $password: String!) {
  resetUserPassword(id: $id, password: $password) { ${FIELDS} }
}`;
const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }`;

/** The password rule of the server (createUser, resetUserPassword), said the same way. */
export const PASSWORD_RULE = '8 to 1024 characters';

/**
 * One change at a time, each its own mutation: the list's actions change one thing (disable,
 * the admin role, a password) and the server answers with the account as it now is.
 */
async function change(id: Identifier, data: UserChange): Promise<UserAccount> {
  const variables = { id: String(id) };
  if (data.password !== undefined) {
    const answer = await graphql<{ resetUserPassword: Record<string, unknown> }>(RESET_PASSWORD, {
      ...variables,
      password: data.password,
    });
    return toUser(answer.resetUserPassword);
  }
  if (data.disabled !== undefined) {
    const answer = await graphql<{ setUserDisabled: Record<string, unknown> }>(SET_DISABLED, {
      ...variables,
      disabled: data.disabled,
    });
    return toUser(answer.setUserDisabled);
  }
  if (data.admin !== undefined) {
    const answer = await graphql<{ setUserAdmin: Record<string, unknown> }>(SET_ADMIN, {
      ...variables,
      admin: data.admin,
    });
    return toUser(answer.setUserAdmin);
  }
  throw new Error('Nothing to change.');
}

export const usersResource: ResourceSpec<UserAccount> = {
  page: (params) => readPage(USERS_QUERY, params, toUser),
  one: (id) => readOne(USERS_QUERY, id, 'user', toUser),
  update: (id, data) => change(id, data as UserChange),
  create: async (data) => {
    const { username, password, admin } = data as UserChange;
    const { createUser } = await graphql<{ createUser: { id: string } }>(CREATE_USER, {
      input: { username: username?.trim(), password, admin: Boolean(admin) },
    });
    return readOne(USERS_QUERY, createUser.id, 'user', toUser);
  },
};
