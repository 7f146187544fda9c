import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { databaseUrlOf } from '../database/database-url.js';
import { Environment } from '../environment/environment.js';
import { PgPubSub } from './pg-pubsub.js';

/** Injection token of the application's PubSub (a PgPubSub). */
export const PUB_SUB = Symbol('PUB_SUB');

@Global()
@Module({
  providers: [
    {
      provide: PUB_SUB,
      inject: [getDataSourceToken(), Environment],
      useFactory: async (db: DataSource, env: Environment) => {
        const pubsub = new PgPubSub(
          databaseUrlOf(db),
          (sql, parameters) => db.query(sql, parameters),
          env.DATABASE_TIMEOUT_SECONDS,
        );
        await pubsub.connect();
        return pubsub;
      },
    },
  ],
  exports: [PUB_SUB],
})
export class PubSubModule implements OnApplicationShutdown {
  constructor(@Inject(PUB_SUB) private readonly pubsub: PgPubSub) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pubsub.close();
  }
}
