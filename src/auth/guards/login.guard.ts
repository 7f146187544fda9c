import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { BAD_CREDENTIALS } from '../auth.service.js';

/**
 * Runs the local strategy, after checking the body's shape: guards run before pipes, and
 * passport would answer a malformed body with a bare 401 instead of saying what is missing.
 */
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  override canActivate(context: ExecutionContext) {
    const body = context.switchToHttp().getRequest<Request>().body as Record<string, unknown> | undefined;
    const problems: string[] = [];
    for (const field of ['username', 'password']) {
      const value = body?.[field];
      if (typeof value !== 'string' || value.length === 0) problems.push(`"${field}" must be a non-empty string`);
      else if (value.length > 1024) problems.push(`"${field}" is longer than 1024 characters`);
    }
    if (problems.length) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        `Send JSON {"username": "...", "password": "..."}: ${problems.join('; ')}.`,
      );
    }
    return super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) throw new AppError(ErrorCode.UNAUTHENTICATED, BAD_CREDENTIALS);
    return user;
  }
}
