import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { Environment } from '../environment/environment.js';
import { OmeroModule } from '../omero/omero.module.js';
import { ImportJobImagesResolver, OmeroImageResolver } from './images.resolver.js';
import { ThumbnailController } from './thumbnail.controller.js';
import { ThumbnailLinks } from './thumbnail-links.js';

/** Showing what was imported: thumbnails (through the app) and OMERO.web links of OMERO images. */
@Module({
  imports: [AuthModule, OmeroModule],
  controllers: [ThumbnailController],
  providers: [
    {
      provide: ThumbnailLinks,
      inject: [Environment],
      useFactory: async (env: Environment) => new ThumbnailLinks(await resolveJwtSecret(env)),
    },
    ImportJobImagesResolver,
    OmeroImageResolver,
  ],
})
export class ImagesModule {}
