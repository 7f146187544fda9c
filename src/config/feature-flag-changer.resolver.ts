import { ID, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type AuthUser, isAdmin } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import type { FeatureFlag } from './feature-flag.entity.js';
import { FeatureFlagModel } from './models/feature-flag.model.js';

/**
 * Who last switched a flag, for the administrators' list. Other users read null: they need a
 * flag's state, not the names of the people who run the service.
 */
@Resolver(() => FeatureFlagModel)
export class FeatureFlagChangerResolver {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @ResolveField(() => ID, {
    nullable: true,
    description: 'The id of the administrator who last switched the flag: administrators only, null for others.',
  })
  updatedBy(@Parent() flag: FeatureFlag, @CurrentUser() user: AuthUser): string | null {
    return isAdmin(user) ? flag.updatedBy : null;
  }

  @ResolveField(() => String, {
    nullable: true,
    description:
      'The username of the administrator who last switched the flag (null if never switched, or their account is gone): administrators only, null for others.',
  })
  async updatedByUsername(@Parent() flag: FeatureFlag, @CurrentUser() user: AuthUser): Promise<string | null> {
    if (!isAdmin(user) || !flag.updatedBy) return null;
    const [row] = (await this.db.query('SELECT username FROM users WHERE id = $1', [flag.updatedBy])) as {
      username: string;
    }[];
    return row?.username ?? null;
  }
}
