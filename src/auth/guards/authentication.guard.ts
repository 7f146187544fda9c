import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError, ErrorCode, SIGN_IN_FIRST } from '../../common/errors/app-error.js';
import { IS_PUBLIC } from '../decorators.js';
import { requestOf } from '../request-of.js';

/**
 * Global guard: every route and resolver needs a bearer token unless marked @Public().
 * GraphQL over WebSocket authenticates once, at connection_init, and arrives with `user` set.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('bearer') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    if (requestOf(context).user) return true;
    return (await super.canActivate(context)) as boolean;
  }

  override getRequest(context: ExecutionContext) {
    return requestOf(context);
  }

  /** passport reports a missing header as a bare failure; say what to send instead. */
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, SIGN_IN_FIRST);
    }
    return user;
  }
}
