import { Injectable } from '@nestjs/common';

/** The passport strategy of the app's own accounts (strategies/local.strategy.ts). */
export const LOCAL_SIGN_IN = 'local';

/**
 * Which passport strategy checks a username and password at sign-in: the app's own accounts,
 * unless the module of another identity source (OMERO) claims sign-in while the app starts.
 * One source at a time, never a fallback from one to the other: a local password beside OMERO
 * would be a second way in that OMERO's account policies do not cover.
 */
@Injectable()
export class SignInStrategy {
  private current = LOCAL_SIGN_IN;

  get name(): string {
    return this.current;
  }

  /** Whether people sign in with passwords kept here (and may be given or change one). */
  get isLocal(): boolean {
    return this.current === LOCAL_SIGN_IN;
  }

  delegateTo(strategy: string): void {
    this.current = strategy;
  }
}
