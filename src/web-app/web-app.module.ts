import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { ADMIN_PATH, appBuildDir, singlePageAppHandler, webAppHandler } from './web-app.handler.js';

/**
 * Serves the admin app's build (`admin/dist`) at `/admin` and the web uploader's (`web/dist`)
 * at `/`, both made by `npm start` and `npm test`. Registered when the modules initialise,
 * which is after every other route: the API, GraphQL and tus answer first, and the apps only
 * get what nothing else claimed. Each app has its own page for its client-side routes; the
 * web app's never answers under `/admin`, built or not.
 */
@Module({})
export class WebAppModule implements OnModuleInit {
  private readonly logger = new Logger('WebApp');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const admin = appBuildDir('admin');
    if (existsSync(admin)) this.adapterHost.httpAdapter.use(ADMIN_PATH, singlePageAppHandler(admin));
    else this.logger.warn('The admin app is not built: run "npm run build:admin" to serve it at /admin.');
    const web = appBuildDir('web');
    if (existsSync(web)) this.adapterHost.httpAdapter.use(webAppHandler(web));
    else this.logger.warn('The web app is not built: run "npm run build:web" to serve it at /.');
  }
}
