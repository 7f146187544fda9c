import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { databaseUrlOf } from '../database/database-url.js';
import { Environment } from '../environment/environment.js';
import { OmeroServerGateway } from './adapters/omero.gateway.js';
import { SandboxGateway } from './adapters/sandbox.gateway.js';
import { OmeroGateway } from './omero-gateway.port.js';
import { OmeroResolver } from './omero.resolver.js';
import { OmeroSessionStore } from './sessions/omero-session.store.js';
import { SealedBox } from './sessions/sealed-box.js';
import { pgSessionLock } from './sessions/session-lock.js';
import { StoredSessionGateway } from './sessions/stored-session.gateway.js';
import { OmeroSignInService } from './sign-in/omero-sign-in.service.js';
import { OmeroStrategy } from './sign-in/omero.strategy.js';

/**
 * Provides the OmeroGateway: a real OMERO when OMERO_* settings name one (OMERO_WEB_URL), else
 * the sandbox. Which one runs is decided here only; with a real OMERO, people also sign in
 * with their OMERO accounts (sign-in/).
 */
@Module({
  imports: [AuthModule],
  providers: [
    {
      provide: OmeroSessionStore,
      inject: [getDataSourceToken(), Environment],
      useFactory: async (db: DataSource, env: Environment) =>
        new OmeroSessionStore(db, new SealedBox(await resolveJwtSecret(env), 'OMERO sessions')),
    },
    {
      provide: OmeroGateway,
      inject: [getDataSourceToken(), Environment, OmeroSessionStore],
      useFactory: (db: DataSource, env: Environment, sessions: OmeroSessionStore) => {
        const options = env.omero;
        if (!options) return new SandboxGateway(db, join(env.dataDir, 'sandbox-repository'));
        const sessionLock = pgSessionLock(databaseUrlOf(db), env.DATABASE_TIMEOUT_SECONDS);
        return new StoredSessionGateway(new OmeroServerGateway({ ...options, sessions, sessionLock }), sessions);
      },
    },
    OmeroResolver,
    OmeroSignInService,
    OmeroStrategy,
  ],
  exports: [OmeroGateway],
})
export class OmeroModule {}
