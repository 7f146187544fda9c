import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigEventsResolver } from './config-events.resolver.js';
import { ConfigResolver } from './config.resolver.js';
import { FeatureFlag } from './feature-flag.entity.js';
import { FeatureFlagsService } from './feature-flags.service.js';
import { UploaderSettings } from './uploader-settings.entity.js';
import { UploaderSettingsService } from './uploader-settings.service.js';

/** Runtime configuration: feature flags and uploader settings. */
@Module({
  imports: [TypeOrmModule.forFeature([FeatureFlag, UploaderSettings])],
  providers: [FeatureFlagsService, UploaderSettingsService, ConfigResolver, ConfigEventsResolver],
  exports: [FeatureFlagsService, UploaderSettingsService],
})
export class ConfigModule {}
