import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { AppError, ErrorCode, SIGN_IN_FIRST } from '../common/errors/app-error.js';
import { Environment } from '../environment/environment.js';
import { API_TOKEN_PREFIX, ApiTokensService } from './api-tokens.service.js';
import type { AuthUser } from './auth-user.js';
import { DeviceCookies } from './device-cookies.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { UNKNOWN_USER_HASH, verifyPassword } from './password-hasher.js';
import { SignInStrategy } from './sign-in-strategy.js';
import { rolesOf, type User } from './user.entity.js';
import { UsersService } from './users.service.js';

/** Why a disabled user's sign-in, tokens and open connections are refused. */
export const ACCOUNT_DISABLED = 'This account is disabled. Ask an administrator to enable it.';
/** Why the tokens and open connections of a deleted user are refused. */
export const ACCOUNT_GONE = 'The account behind this token no longer exists.';

/** The one message for a wrong username and a wrong password alike. */
export const BAD_CREDENTIALS = 'The username or password is incorrect.';

export interface LoginResult {
  accessToken: string;
  expiresIn: number;
  user: { id: string; username: string; roles: string[] };
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly apiTokens: ApiTokensService,
    private readonly throttle: LoginThrottleService,
    private readonly jwtService: JwtService,
    private readonly signInStrategy: SignInStrategy,
    private readonly deviceCookies: DeviceCookies,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  /** Checks a username and a password kept here (the local strategy). */
  validateCredentials(request: Request, username: string, password: string): Promise<AuthUser> {
    return this.signInWith(request, username, async () => {
      const user = await this.users.findByUsername(username);
      // Hash even for an unknown user (or one without a password), so the answer takes as long either way.
      const matches = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
      return user && matches ? user : null;
    });
  }

  /**
   * One sign-in attempt through any identity source, counted against the browser's device
   * cookie for this username if it has one, else per username and per client address (see
   * LoginThrottleService): `check` answers whose credentials they are, or null when they are
   * wrong. Every source thus gets the same limits and the same 401. An attempt that could not
   * be judged (`check` threw, as when OMERO is unreachable) is not counted as a failure.
   */
  async signInWith(request: Request, username: string, check: () => Promise<User | null>): Promise<AuthUser> {
    const address = request.ip ?? 'unknown';
    const attempt = await this.throttle.begin({
      username,
      address,
      device: this.deviceCookies.deviceOf(request, username),
    });
    let user: User | null;
    try {
      user = await check();
    } catch (error) {
      await this.throttle.abandoned(attempt);
      throw error;
    }
    if (!user) {
      this.logger.warn({ event: 'login_failed', address, knownDevice: attempt.device !== undefined });
      throw new AppError(ErrorCode.UNAUTHENTICATED, BAD_CREDENTIALS);
    }
    if (user.disabled) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, ACCOUNT_DISABLED);
    }
    await this.throttle.succeeded(attempt);
    return toAuthUser(user, 'access-token');
  }

  /** Changes the caller's password after checking the current one (not counted as a login failure). */
  async changePassword(user: AuthUser, currentPassword: string, newPassword: string): Promise<void> {
    const stored = await this.users.findById(user.id);
    if (!this.signInStrategy.isLocal || stored?.passwordHash === null) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'You sign in with your OMERO password: change it in OMERO.');
    }
    if (!stored || !(await verifyPassword(currentPassword, stored.passwordHash))) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'The current password is incorrect.');
    }
    await this.users.setPassword(user.id, newPassword);
  }

  async login(user: AuthUser): Promise<LoginResult> {
    await this.users.recordLogin(user.id);
    const accessToken = await this.jwtService.signAsync({ sub: user.id, username: user.username });
    this.logger.log({ event: 'login', userId: user.id });
    return {
      accessToken,
      expiresIn: this.env.jwtExpiresInSeconds,
      user: { id: user.id, username: user.username, roles: user.roles },
    };
  }

  /**
   * Resolves an `Authorization: Bearer` value (an access token or an API token) to the user,
   * reloaded from the database so that disabling a user or changing roles applies at once.
   */
  async authenticateBearer(token: string): Promise<AuthUser> {
    const via = token.startsWith(API_TOKEN_PREFIX) ? 'api-token' : 'access-token';
    const { userId, expiresAt, apiTokenId } =
      via === 'api-token'
        ? await this.apiTokens
            .resolve(token)
            .then(({ id, userId }) => ({ userId, apiTokenId: id, expiresAt: undefined }))
        : { ...(await this.verifyAccessToken(token)), apiTokenId: undefined };
    const user = await this.users.findIdentity(userId);
    if (!user) throw new AppError(ErrorCode.UNAUTHENTICATED, ACCOUNT_GONE);
    if (user.disabled) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, ACCOUNT_DISABLED);
    }
    return { ...toAuthUser(user, via), expiresAt, apiTokenId };
  }

  /** Reads `Bearer <token>` from a header or a graphql-ws connection parameter. */
  async authenticateAuthorization(value: unknown): Promise<AuthUser> {
    const match = typeof value === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
    if (!match) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, SIGN_IN_FIRST);
    }
    return this.authenticateBearer(match[1]);
  }

  private async verifyAccessToken(token: string): Promise<{ userId: string; expiresAt?: Date }> {
    try {
      const payload = await this.jwtService.verifyAsync<{ sub?: unknown; exp?: number }>(token, {
        algorithms: ['HS256'],
      });
      if (typeof payload.sub !== 'string') throw new Error('no subject');
      return { userId: payload.sub, expiresAt: payload.exp ? new Date(payload.exp * 1000) : undefined };
    } catch (error) {
      if (error instanceof Error && error.name === 'TokenExpiredError') {
        throw new AppError(ErrorCode.UNAUTHENTICATED, 'Your session has expired. Sign in again.');
      }
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'The access token is not valid. Sign in again.');
    }
  }
}

export function toAuthUser(user: Pick<User, 'id' | 'username' | 'role'>, via: AuthUser['via']): AuthUser {
  return { id: user.id, username: user.username, roles: rolesOf(user), via };
}
