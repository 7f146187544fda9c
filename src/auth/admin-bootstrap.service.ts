import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Environment } from '../environment/environment.js';
import { SignInStrategy } from './sign-in-strategy.js';
import { User } from './user.entity.js';
import { UsersService } from './users.service.js';

/** Any constant shared by every instance: serialises the first-administrator check. */
const BOOTSTRAP_LOCK_KEY = 7_301_946_022;

/**
 * Creates the first administrator when the users table is empty: ADMIN_USERNAME with
 * ADMIN_PASSWORD, or with a generated password printed once to the console (never to the log).
 * Not when people sign in through OMERO: OMERO's administrators administer the app.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly signInStrategy: SignInStrategy,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.signInStrategy.isLocal) {
      // Another identity source (OMERO) signs people in, and its administrators are ours.
      this.logger.log({ event: 'admin_bootstrap_skipped', signIn: this.signInStrategy.name });
      return;
    }
    const password = this.env.ADMIN_PASSWORD ?? randomBytes(15).toString('base64url');
    const created = await this.db.transaction(async (manager) => {
      // Instances starting together take turns, so exactly one creates the administrator.
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      if ((await manager.count(User)) > 0) return false;
      await this.users.create(
        { username: this.env.ADMIN_USERNAME, password, admin: true },
        manager.getRepository(User),
      );
      return true;
    });
    if (!created) return;
    this.logger.log({ event: 'admin_created', username: this.env.ADMIN_USERNAME });
    if (!this.env.ADMIN_PASSWORD) {
      process.stdout.write(
        `\n  First administrator created. Sign in as "${this.env.ADMIN_USERNAME}" with the password\n\n` +
          `      ${password}\n\n  It is shown only this once; change it after signing in.\n\n`,
      );
    }
  }
}
