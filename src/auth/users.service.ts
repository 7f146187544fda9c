import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { hashPassword } from './password-hasher.js';
import { type Role, User } from './user.entity.js';

/** Who OMERO says signed in: its id for them, and their name, exactly as OMERO spells it. */
export interface OmeroIdentity {
  userId: number;
  username: string;
}

export interface NewUser {
  username: string;
  password: string;
  admin?: boolean;
}

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * What authenticating a request needs, in one plain query: it runs on every request,
   * every tus PATCH included, where the ORM's query building would cost more than the query.
   */
  async findIdentity(id: string): Promise<Pick<User, 'id' | 'username' | 'role' | 'disabled'> | null> {
    const rows = (await this.users.query('SELECT id, username, role, disabled FROM users WHERE id = $1', [id])) as Pick<
      User,
      'id' | 'username' | 'role' | 'disabled'
    >[];
    return rows[0] ?? null;
  }

  /**
   * The account a username names at sign-in with a password kept here, or in an administrator's
   * sandbox mutation: the app's own accounts regardless of case ("Admin" is "admin"), OMERO's only
   * by their exact name, never a case-insensitive lookalike; the app's own first.
   */
  findByUsername(username: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .where(
        '(user.omeroUserId IS NULL AND lower(user.username) = lower(:username)) OR ' +
          '(user.omeroUserId IS NOT NULL AND user.username = :username)',
        { username },
      )
      .orderBy('user.omeroUserId', 'ASC', 'NULLS FIRST')
      .getOne();
  }

  async create({ username, password, admin = false }: NewUser, repository = this.users): Promise<User> {
    const user = repository.create({
      username,
      passwordHash: await hashPassword(password),
      role: admin ? 'admin' : 'user',
    });
    try {
      return await repository.save(user);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError(ErrorCode.CONFLICT, `The username "${username}" is taken; choose another.`);
      }
      throw error;
    }
  }

  /**
   * The account of an OMERO user OMERO has just vouched for, found by OMERO's user id. Without
   * one yet, an account of exactly that name (case included) that no OMERO user has claimed
   * becomes theirs: one made here before OMERO was configured, or by OMERO sign-in before ids
   * were kept. Otherwise a new one, without a password of its own. Its name and admin role
   * follow OMERO's at every sign-in, so a user OMERO renamed keeps their account.
   */
  async fromOmero(omero: OmeroIdentity, admin: boolean): Promise<{ user: User; previousRole: Role | null }> {
    const role: Role = admin ? 'admin' : 'user';
    const { user, created } = await this.findOrClaimOmeroAccount(omero, role);
    if (created) return { user, previousRole: null };
    const previousRole = user.role;
    if (previousRole !== role || user.username !== omero.username) {
      await this.users.update({ id: user.id }, { role, username: omero.username });
      Object.assign(user, { role, username: omero.username });
    }
    return { user, previousRole };
  }

  private async findOrClaimOmeroAccount(
    { userId: omeroUserId, username }: OmeroIdentity,
    role: Role,
  ): Promise<{ user: User; created: boolean }> {
    // The same person signing in twice at once: the loser of a race on the unique id finds the
    // winner's account on its next pass.
    for (let pass = 0; ; pass++) {
      const known = await this.users.findOneBy({ omeroUserId });
      if (known) return { user: known, created: false };
      try {
        const [claimed] = (await this.users.query(
          `UPDATE users SET omero_user_id = $1, updated_at = now()
           WHERE id = (SELECT id FROM users WHERE omero_user_id IS NULL AND username = $2 LIMIT 1)
             AND omero_user_id IS NULL
           RETURNING id`,
          [omeroUserId, username],
        )) as [{ id: string }[], number];
        if (claimed.length) return { user: (await this.findById(claimed[0].id))!, created: false };
        const user = this.users.create({ username, omeroUserId, passwordHash: null, role });
        return { user: await this.users.save(user), created: true };
      } catch (error) {
        if (!isUniqueViolation(error) || pass > 0) throw error;
      }
    }
  }

  async setPassword(id: string, password: string): Promise<void> {
    await this.users.update({ id }, { passwordHash: await hashPassword(password) });
  }

  async recordLogin(id: string): Promise<void> {
    await this.users.update({ id }, { lastLoginAt: () => 'now()' });
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}
