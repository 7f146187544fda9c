import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import type { AuthUser } from '../auth-user.js';
import { REQUIRED_ROLES } from '../decorators.js';
import { requestOf } from '../request-of.js';
import type { Role } from '../user.entity.js';

/** Global guard, after authentication: enforces @Roles(...). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const user = requestOf(context).user as AuthUser | undefined;
    if (user && required.some((role) => user.roles.includes(role))) return true;
    throw new AppError(ErrorCode.FORBIDDEN, `Only ${required.join(' or ')} users may do this.`);
  }
}
