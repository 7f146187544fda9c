import { UploadsAdminResolver } from './admin/uploads-admin.resolver.js';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule } from '../config/config.module.js';
import { TusServerService } from './tus-server.service.js';
import { TusController } from './tus.controller.js';
import { UploadMaintenanceJob } from './upload-maintenance.job.js';
import { UploadReceivedResolver } from './upload-received.resolver.js';
import { Upload } from './upload.entity.js';
import { UploadsResolver } from './uploads.resolver.js';
import { UploadsService } from './uploads.service.js';
import { UploadStorage } from './upload-storage.js';

/** Resumable uploads: tus at /api/uploads, the Upload entity, expiry. */
@Module({
  imports: [TypeOrmModule.forFeature([Upload]), ConfigModule],
  controllers: [TusController],
  providers: [
    UploadStorage,
    UploadsService,
    TusServerService,
    UploadsResolver,
    UploadReceivedResolver,
    UploadMaintenanceJob,
    UploadsAdminResolver,
  ],
  exports: [UploadsService, UploadStorage],
})
export class UploadModule {}
