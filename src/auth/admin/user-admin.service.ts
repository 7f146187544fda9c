import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { notFound } from '../../common/errors/not-found.js';
import type { Page, PageInput } from '../../common/paging/page.input.js';
import { containsPattern, selectPage, SqlConditions } from '../../common/paging/sql-page.js';
import type { AuthUser } from '../auth-user.js';
import { hashPassword } from '../password-hasher.js';
import { SignInStrategy } from '../sign-in-strategy.js';
import type {
  ApiTokenFilter,
  ApiTokenSort,
  UserAccountModel,
  UserApiTokenModel,
  UserFilter,
  UserSort,
} from './user-admin.models.js';

const ACCOUNT_COLUMNS = `id, username, CASE WHEN role = 'admin' THEN ARRAY['user', 'admin'] ELSE ARRAY['user'] END AS roles,
  disabled, omero_user_id IS NOT NULL AS "omeroAccount", created_at AS "createdAt", last_login_at AS "lastLoginAt"`;

/**
 * What administrators do to accounts and API tokens. Disabling, a role change and a revocation
 * take effect at the user's next request, and close their open WebSockets on every instance
 * (the triggers of CredentialsChangeTriggers announce the change). With OMERO signing people
 * in, OMERO owns passwords and roles, so only disabling is left to do here.
 */
@Injectable()
export class UserAdminService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly signIn: SignInStrategy,
  ) {}

  async list(page: PageInput, sort: UserSort, filter: UserFilter = {}): Promise<Page<UserAccountModel>> {
    const where = new SqlConditions()
      .add('id = ANY(?::uuid[])', filter.ids)
      .add('username ILIKE ?', filter.username ? containsPattern(filter.username) : null)
      .add(`(role = 'admin') = ?`, filter.admin)
      .add('disabled = ?', filter.disabled);
    const { items, total } = await selectPage(this.db.manager, {
      select: ACCOUNT_COLUMNS,
      from: 'users',
      filter: where,
      orderBy: sort.field,
      direction: sort.direction,
      page,
    });
    return { items: items as unknown as UserAccountModel[], total };
  }

  async setDisabled(actor: AuthUser, id: string, disabled: boolean): Promise<UserAccountModel> {
    if (disabled && id === actor.id) {
      throw new AppError(ErrorCode.CONFLICT, 'You cannot disable your own account; ask another administrator.');
    }
    return this.update(id, 'disabled = $2', [disabled]);
  }

  async setAdmin(actor: AuthUser, id: string, admin: boolean): Promise<UserAccountModel> {
    if (!this.signIn.isLocal) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        "People sign in with their OMERO accounts here, and a user's administrator role follows OMERO's at each sign-in: change it in OMERO.",
      );
    }
    if (!admin && id === actor.id) {
      throw new AppError(
        ErrorCode.CONFLICT,
        'You cannot take the administrator role from yourself; ask another administrator.',
      );
    }
    return this.update(id, 'role = $2', [admin ? 'admin' : 'user']);
  }

  async resetPassword(id: string, password: string): Promise<UserAccountModel> {
    if (!this.signIn.isLocal) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        'People sign in with their OMERO accounts here, so their passwords are OMERO’s: reset it in OMERO.',
      );
    }
    return this.update(id, 'password_hash = $2', [await hashPassword(password)]);
  }

  private async update(id: string, assignment: string, values: unknown[]): Promise<UserAccountModel> {
    if (!isUUID(id)) throw notFound('user', id);
    const [rows] = (await this.db.query(
      `UPDATE users SET ${assignment}, updated_at = now() WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
      [id, ...values],
    )) as [UserAccountModel[], number];
    if (!rows.length) throw notFound('user', id);
    return rows[0];
  }

  async listTokens(page: PageInput, sort: ApiTokenSort, filter: ApiTokenFilter = {}): Promise<Page<UserApiTokenModel>> {
    const where = new SqlConditions()
      .add('t.id = ANY(?::uuid[])', filter.ids)
      .add('t.user_id = ?', filter.userId)
      .add('(t.revoked_at IS NULL) = ?', filter.active);
    const { items, total } = await selectPage(this.db.manager, {
      select: `t.id, t.name, t.token_prefix AS "tokenPrefix", t.created_at AS "createdAt", t.last_used_at AS "lastUsedAt",
               t.revoked_at AS "revokedAt", t.user_id AS "userId", u.username`,
      from: 'api_tokens t JOIN users u ON u.id = t.user_id',
      filter: where,
      orderBy: sort.field,
      direction: sort.direction,
      page,
      id: 't.id',
    });
    return { items: items as unknown as UserApiTokenModel[], total };
  }

  /** Revoking a revoked token again is no error: it is revoked, as asked. */
  async revokeToken(id: string): Promise<void> {
    if (!isUUID(id)) throw notFound('API token', id);
    const [rows] = (await this.db.query(
      'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id',
      [id],
    )) as [unknown[], number];
    if (!rows.length) throw notFound('API token', id);
  }
}
