import { Inject } from '@nestjs/common';
import { Args, Subscription } from '@nestjs/graphql';
import { Resolver } from '@nestjs/graphql';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { toModel as settingsModel } from './config.resolver.js';
import { FEATURE_FLAGS_CHANGED, type FeatureFlagEvent, FeatureFlagsService } from './feature-flags.service.js';
import { FeatureFlagModel } from './models/feature-flag.model.js';
import { UploaderSettingsModel } from './models/uploader-settings.model.js';
import { UPLOADER_SETTINGS_CHANGED, UploaderSettingsService } from './uploader-settings.service.js';

/**
 * Open pages learn of a switched flag or changed settings within moments, on every instance:
 * the same PostgreSQL notification that reloads each instance's cache feeds these
 * subscriptions. Each event's row is read once, whatever the number of subscribers, and from
 * the database: the cache of the instance hearing it may not have reloaded yet.
 */
@Resolver()
export class ConfigEventsResolver {
  private readonly flagReads = new WeakMap<object, Promise<FeatureFlagModel | null>>();
  private readonly settingsReads = new WeakMap<object, Promise<UploaderSettingsModel>>();

  constructor(
    private readonly flags: FeatureFlagsService,
    private readonly settings: UploaderSettingsService,
    @Inject(PUB_SUB) private readonly pubsub: PgPubSub,
  ) {}

  @Subscription(() => FeatureFlagModel, {
    description:
      'A feature flag, each time an administrator switches it (setFeatureFlag): every flag, or only the one given. Every signed-in user. Events sent while a client was disconnected are not replayed: read featureFlags again after reconnecting.',
    filter: (event: FeatureFlagEvent, variables: { key?: string | null }) =>
      typeof event.key === 'string' && (!variables.key || variables.key === event.key),
    async resolve(this: ConfigEventsResolver, event: FeatureFlagEvent) {
      let read = this.flagReads.get(event);
      if (!read) this.flagReads.set(event, (read = this.flags.find(event.key!)));
      return read;
    },
  })
  featureFlagChanged(@Args('key', { type: () => String, nullable: true }) _key?: string | null) {
    return this.pubsub.asyncIterableIterator(FEATURE_FLAGS_CHANGED);
  }

  @Subscription(() => UploaderSettingsModel, {
    description:
      'The uploader settings, each time an administrator changes them (updateUploaderSettings). Every signed-in user. Read uploaderSettings again after reconnecting.',
    async resolve(this: ConfigEventsResolver, event: object) {
      let read = this.settingsReads.get(event);
      if (!read) this.settingsReads.set(event, (read = this.settings.read().then(settingsModel)));
      return read;
    },
  })
  uploaderSettingsChanged() {
    return this.pubsub.asyncIterableIterator(UPLOADER_SETTINGS_CHANGED);
  }
}
