import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { Environment } from '../environment/environment.js';
import { SandboxGateway } from './adapters/sandbox.gateway.js';
import { OmeroGateway } from './omero-gateway.port.js';
import { OmeroResolver } from './omero.resolver.js';

/** Provides the OmeroGateway: a real OMERO when OMERO_* settings name one, else the sandbox. */
@Module({
  imports: [AuthModule],
  providers: [
    {
      provide: OmeroGateway,
      inject: [getDataSourceToken(), Environment],
      useFactory: (db: DataSource, env: Environment) => new SandboxGateway(db, join(env.dataDir, 'sandbox-repository')),
    },
    OmeroResolver,
  ],
  exports: [OmeroGateway],
})
export class OmeroModule {}
