import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { BAD_CREDENTIALS } from '../auth.service.js';
import { SignInStrategy } from '../sign-in-strategy.js';

/**
 * Runs the sign-in strategy of the moment (the app's own accounts, or OMERO's), after checking
 * the body's shape: guards run before pipes, and passport would answer a malformed body with a
 * bare 401 instead of saying what is missing.
 */
@Injectable()
export class LoginGuard implements CanActivate {
  private readonly guards = new Map<string, CanActivate>();

  constructor(private readonly strategy: SignInStrategy) {}

  canActivate(context: ExecutionContext) {
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
    return this.passportGuard(this.strategy.name).canActivate(context);
  }

  private passportGuard(name: string): CanActivate {
    let guard = this.guards.get(name);
    if (!guard) {
      guard = new (class extends AuthGuard(name) {
        override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
          if (error) throw error;
          if (!user) throw new AppError(ErrorCode.UNAUTHENTICATED, BAD_CREDENTIALS);
          return user;
        }
      })();
      this.guards.set(name, guard);
    }
    return guard;
  }
}
