import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigAuditResolver } from './audit/config-audit.resolver.js';
import { ConfigAuditService } from './audit/config-audit.service.js';
import { ConfigEventsResolver } from './config-events.resolver.js';
import { ConfigResolver } from './config.resolver.js';
import { FeatureFlag } from './feature-flag.entity.js';
import { FeatureFlagChangerResolver } from './feature-flag-changer.resolver.js';
import { FeatureFlagsService } from './feature-flags.service.js';
import { UploaderSettings } from './uploader-settings.entity.js';
import { UploaderSettingsService } from './uploader-settings.service.js';

/** Runtime configuration: feature flags and uploader settings, and the audit of their changes. */
@Module({
  imports: [TypeOrmModule.forFeature([FeatureFlag, UploaderSettings])],
  providers: [
    ConfigAuditService,
    FeatureFlagsService,
    UploaderSettingsService,
    ConfigResolver,
    ConfigEventsResolver,
    ConfigAuditResolver,
    FeatureFlagChangerResolver,
  ],
  exports: [FeatureFlagsService, UploaderSettingsService],
})
export class ConfigModule {}
