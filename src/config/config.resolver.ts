import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { UploaderSettingsInput } from './dto/uploader-settings.input.js';
import { FeatureFlagsService } from './feature-flags.service.js';
import { FeatureFlagModel } from './models/feature-flag.model.js';
import { UploaderSettingsModel } from './models/uploader-settings.model.js';
import type { UploaderSettings } from './uploader-settings.entity.js';
import { UploaderSettingsService } from './uploader-settings.service.js';

export function toModel(settings: UploaderSettings): UploaderSettingsModel {
  const { maxFileSizeBytes, allowedExtensions, chunkSizeBytes, autoImport, uploadExpiryHours } = settings;
  return {
    maxFileSizeBytes,
    allowedExtensions,
    chunkSizeBytes,
    autoImport,
    uploadExpiryHours,
    namingPolicy: settings.namingPolicy as UploaderSettingsModel['namingPolicy'],
    collisionPolicy: settings.collisionPolicy as UploaderSettingsModel['collisionPolicy'],
  };
}

/** Every signed-in user reads flags and settings (clients need them); only admins change them. */
@Resolver()
export class ConfigResolver {
  constructor(
    private readonly flags: FeatureFlagsService,
    private readonly settings: UploaderSettingsService,
  ) {}

  @Query(() => [FeatureFlagModel])
  featureFlags(): Promise<FeatureFlagModel[]> {
    return this.flags.list();
  }

  @Mutation(() => FeatureFlagModel, { description: 'Administrators only.' })
  @Roles('admin')
  setFeatureFlag(
    @CurrentUser() user: AuthUser,
    @Args('key') key: string,
    @Args('enabled') enabled: boolean,
  ): Promise<FeatureFlagModel> {
    return this.flags.set(key, enabled, user);
  }

  @Query(() => UploaderSettingsModel)
  uploaderSettings(): UploaderSettingsModel {
    return toModel(this.settings.current);
  }

  @Mutation(() => UploaderSettingsModel, { description: 'Administrators only.' })
  @Roles('admin')
  async updateUploaderSettings(
    @CurrentUser() user: AuthUser,
    @Args('input') input: UploaderSettingsInput,
  ): Promise<UploaderSettingsModel> {
    return toModel(await this.settings.update(input, user));
  }
}
