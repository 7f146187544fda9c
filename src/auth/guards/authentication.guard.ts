import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from '../auth-user.js';
import { AuthService } from '../auth.service.js';
import { IS_PUBLIC } from '../decorators.js';
import { requestOf } from '../request-of.js';

/**
 * Global guard: every route and resolver needs `Authorization: Bearer <access token or API
 * token>` unless marked @Public(). GraphQL over WebSocket authenticates once, at
 * connection_init, and arrives with `user` set.
 *
 * It calls AuthService directly rather than through a passport strategy: a bearer check has
 * nothing for passport to add, and passport's per-request objects were the largest share of
 * what each upload PATCH left for V8's old generation.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = requestOf(context) as ReturnType<typeof requestOf> & { user?: AuthUser };
    request.user ??= await this.auth.authenticateAuthorization(request.headers.authorization);
    return true;
  }
}
