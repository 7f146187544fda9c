import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { hashPassword } from './password-hasher.js';
import { type Role, User } from './user.entity.js';

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

  /** Usernames are unique regardless of case, and found regardless of case. */
  findByUsername(username: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .where('lower(user.username) = lower(:username)', { username })
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
   * The account of someone another identity source (OMERO) has just vouched for: created at
   * their first sign-in, without a password of its own, and given the source's verdict on
   * whether they administer. An account of the same name made earlier is theirs: the same
   * name is the same person.
   */
  async vouchedFor(username: string, admin: boolean): Promise<{ user: User; previousRole: Role | null }> {
    const role: Role = admin ? 'admin' : 'user';
    let user = await this.findByUsername(username);
    if (!user) {
      try {
        return {
          user: await this.users.save(this.users.create({ username, passwordHash: null, role })),
          previousRole: null,
        };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The same person signing in twice at once: the other sign-in created the account.
        user = (await this.findByUsername(username))!;
      }
    }
    const previousRole = user.role;
    if (previousRole !== role) {
      await this.users.update({ id: user.id }, { role });
      user.role = role;
    }
    return { user, previousRole };
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
