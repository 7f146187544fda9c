import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { FeatureFlag } from './feature-flag.entity.js';

@Injectable()
export class FeatureFlagsService {
  constructor(@InjectRepository(FeatureFlag) private readonly flags: Repository<FeatureFlag>) {}

  list(): Promise<FeatureFlag[]> {
    return this.flags.find({ order: { key: 'ASC' } });
  }

  /** Read from the database each time, so a switch applies on every instance at once. */
  async isEnabled(key: string): Promise<boolean> {
    const flag = await this.flags.findOneBy({ key });
    if (!flag) throw new Error(`Unknown feature flag ${key}: add it with a migration`);
    return flag.enabled;
  }

  async set(key: string, enabled: boolean, userId: string): Promise<FeatureFlag> {
    const result = await this.flags.update({ key }, { enabled, updatedBy: userId, updatedAt: () => 'now()' });
    if (!result.affected) {
      const known = (await this.list()).map((flag) => flag.key).join(', ');
      throw new AppError(ErrorCode.NOT_FOUND, `There is no feature flag "${key}". Known flags: ${known}.`);
    }
    return this.flags.findOneByOrFail({ key });
  }
}
