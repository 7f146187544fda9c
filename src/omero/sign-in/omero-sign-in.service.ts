import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthUser } from '../../auth/auth-user.js';
import { AuthService } from '../../auth/auth.service.js';
import { SignInStrategy } from '../../auth/sign-in-strategy.js';
import { UsersService } from '../../auth/users.service.js';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { OmeroGateway, type OmeroSignIn, OmeroUnavailableError } from '../omero-gateway.port.js';
import { OmeroSessionStore } from '../sessions/omero-session.store.js';

/** The passport strategy of OMERO sign-in (see omero.strategy.ts). */
export const OMERO_SIGN_IN = 'omero';

/**
 * Sign-in with OMERO credentials, when a real OMERO is configured: OMERO checks the password,
 * the account here is made or updated to match (its admin role follows OMERO's), and the
 * OMERO session the sign-in opened is kept for that user's listings and imports.
 */
@Injectable()
export class OmeroSignInService implements OnModuleInit {
  private readonly logger = new Logger(OmeroSignInService.name);

  constructor(
    private readonly gateway: OmeroGateway,
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly sessions: OmeroSessionStore,
    private readonly strategy: SignInStrategy,
  ) {}

  onModuleInit(): void {
    // The sandbox has no accounts of its own: with it, the app's accounts sign in.
    if (this.gateway.kind === 'omero') this.strategy.delegateTo(OMERO_SIGN_IN);
  }

  signIn(request: Request, username: string, password: string): Promise<AuthUser> {
    return this.auth.signInWith(request, username, async () => {
      const signedIn = await this.askOmero(username, password);
      if (!signedIn) return null;
      const { user, previousRole } = await this.users.fromOmero(signedIn, signedIn.isAdmin);
      if (previousRole !== null && previousRole !== user.role) {
        this.logger.log({ event: 'role_changed', userId: user.id, from: previousRole, to: user.role, source: 'omero' });
      }
      // A disabled account is refused by the caller; it gets no session to act with meanwhile.
      if (!user.disabled && signedIn.sessionKey) await this.sessions.claim(user.id, signedIn.sessionKey);
      return user;
    });
  }

  private async askOmero(username: string, password: string): Promise<OmeroSignIn | null> {
    try {
      return await this.gateway.signIn(username, password);
    } catch (error) {
      if (!(error instanceof OmeroUnavailableError)) throw error;
      // The detail (OMERO.web's address, what to check) is for administrators, not for anyone
      // who can reach the sign-in page.
      this.logger.warn({ event: 'omero_sign_in_unavailable', reason: error.detail });
      throw new AppError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'Signing in is not possible right now: OMERO, which checks your password, cannot be reached. Try again in a few minutes, and tell your OMERO administrator if it lasts.',
      );
    }
  }
}
