import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../ormconfig.js';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ConfigModule } from './config/config.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { runMigrations } from './database/migrate.js';
import { Environment } from './environment/environment.js';
import { EnvironmentModule } from './environment/environment.module.js';
import { graphqlOptions } from './graphql/graphql-options.js';
import { GraphqlWsServer } from './graphql/graphql-ws-server.js';
import { HealthController } from './health/health.controller.js';
import { ImagesModule } from './images/images.module.js';
import { PubSubModule } from './pubsub/pubsub.module.js';
import { UploadModule } from './upload/upload.module.js';
import { ImportModule } from './import/import.module.js';
import { OmeroModule } from './omero/omero.module.js';
import { WebAppModule } from './web-app/web-app.module.js';

export interface AppModuleOptions {
  env: Environment;
  /** DATABASE_URL, or the embedded server's URL when the app started one. */
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static register({ env, databaseUrl }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EnvironmentModule.forRoot(env),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(databaseUrl, env.DATABASE_TIMEOUT_SECONDS),
          // Migrations run before anything else touches the database, under an advisory lock,
          // on a connection of their own without the pool's timeouts: they may rightly be long.
          dataSourceFactory: async (options) => {
            const migrator = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
            try {
              await runMigrations(migrator);
            } finally {
              await migrator.destroy();
            }
            return new DataSource(options!).initialize();
          },
        }),
        PubSubModule,
        AuthModule,
        AnalyticsModule,
        ConfigModule,
        UploadModule,
        OmeroModule,
        ImportModule,
        ImagesModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [Environment],
          useFactory: (env: Environment) => graphqlOptions(env),
        }),
        WebAppModule,
      ],
      controllers: [HealthController],
      providers: [
        GraphqlWsServer,
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({ transform: true, whitelist: true, forbidUnknownValues: false }),
        },
      ],
    };
  }
}
