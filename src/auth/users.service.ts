import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { hashPassword } from './password-hasher.js';
import { User } from './user.entity.js';

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
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new AppError(ErrorCode.CONFLICT, `The username "${username}" is taken; choose another.`);
      }
      throw error;
    }
  }

  async setPassword(id: string, password: string): Promise<void> {
    await this.users.update({ id }, { passwordHash: await hashPassword(password) });
  }

  async recordLogin(id: string): Promise<void> {
    await this.users.update({ id }, { lastLoginAt: () => 'now()' });
  }
}
