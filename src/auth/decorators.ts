import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthUser } from './auth-user.js';
import { requestOf } from './request-of.js';
import type { Role } from './user.entity.js';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLES = 'auth:roles';

/** Lets anonymous callers in; every other route and resolver requires a signed-in user. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Restricts a route or resolver to users holding one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** The signed-in caller, in controllers and resolvers alike. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser => requestOf(context).user as AuthUser,
);
