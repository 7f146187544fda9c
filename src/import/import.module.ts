import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { ConfigModule } from '../config/config.module.js';
import { OmeroModule } from '../omero/omero.module.js';
import { UploadModule } from '../upload/upload.module.js';
import { ImportJobsAdminResolver } from './admin/import-jobs-admin.resolver.js';
import { ImportJob } from './import-job.entity.js';
import { ImportHistoryResolver } from './import-history.resolver.js';
import { ImportJobsService } from './import-jobs.service.js';
import { ImportQueue } from './import-queue.service.js';
import { ImportSweep } from './import-sweep.service.js';
import { ImportSessionKeepAlive } from './import-session-keepalive.service.js';
import { ImportWorker } from './import-worker.service.js';
import { ImportJobLogResolver, ImportResolver, UploadImportJobResolver } from './import.resolver.js';
import { ServerFilesService } from './server-files.service.js';

/** Import jobs: queue (pg-boss), workers, the in-place importer, and their GraphQL API. */
@Module({
  imports: [TypeOrmModule.forFeature([ImportJob]), AuthModule, ConfigModule, OmeroModule, UploadModule],
  providers: [
    ImportQueue,
    ImportJobsService,
    ImportWorker,
    ImportSweep,
    ImportSessionKeepAlive,
    ServerFilesService,
    ImportResolver,
    ImportJobLogResolver,
    UploadImportJobResolver,
    ImportHistoryResolver,
    ImportJobsAdminResolver,
  ],
})
export class ImportModule {}
