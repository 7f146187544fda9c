import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { ApiToken } from './api-token.entity.js';

/** API tokens start with this, so they are told apart from access tokens (JWTs) at a glance. */
export const API_TOKEN_PREFIX = 'omu_';

/** last_used_at is refreshed at most this often, so a busy integrator costs no write per call. */
const LAST_USED_RESOLUTION = '1 minute';

/** Why a revoked token is refused, on HTTP and when its open WebSockets are closed. */
export const TOKEN_REVOKED = 'This API token was revoked. Create a new one.';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

@Injectable()
export class ApiTokensService {
  constructor(@InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>) {}

  /** Creates a token; the secret is returned this once and only its hash is kept. */
  async create(userId: string, name: string): Promise<{ token: string; apiToken: ApiToken }> {
    const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const apiToken = await this.tokens.save(
      this.tokens.create({ userId, name, tokenHash: sha256(token), tokenPrefix: token.slice(0, 12) }),
    );
    return { token, apiToken };
  }

  list(userId: string): Promise<ApiToken[]> {
    return this.tokens.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /** Another user's token is reported as missing, never as forbidden. */
  async revoke(userId: string, id: string): Promise<void> {
    if (!isUUID(id)) throw new AppError(ErrorCode.NOT_FOUND, `No API token ${id} belongs to you.`);
    const result = await this.tokens.update({ id, userId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    if (result.affected) return;
    const existing = await this.tokens.findOneBy({ id, userId });
    if (!existing) throw new AppError(ErrorCode.NOT_FOUND, `No API token ${id} belongs to you.`);
    // Already revoked: revoking again is a no-op, not an error.
  }

  /** The token's id and the user behind it when it is live, or an error saying why it is refused. */
  async resolve(token: string): Promise<{ id: string; userId: string }> {
    const found = await this.tokens.findOneBy({ tokenHash: sha256(token) });
    if (!found)
      throw new AppError(
        ErrorCode.UNAUTHENTICATED,
        'This API token is not valid. Check that it was copied whole, or create a new one.',
      );
    if (found.revokedAt) throw new AppError(ErrorCode.UNAUTHENTICATED, TOKEN_REVOKED);
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where('id = :id', { id: found.id })
      .andWhere(`(last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_RESOLUTION}')`)
      .execute();
    return { id: found.id, userId: found.userId };
  }
}
