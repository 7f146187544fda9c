import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { webAppHandler, webBuildDir } from './web-app.handler.js';

/**
 * Serves the web uploader's build (`web/dist`, made by `npm start` and `npm test`) at `/`.
 * Registered when the modules initialise, which is after every other route: the API, GraphQL
 * and tus answer first, and the web app only gets what nothing else claimed.
 */
@Module({})
export class WebAppModule implements OnModuleInit {
  private readonly logger = new Logger('WebApp');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const dir = webBuildDir();
    if (!existsSync(dir)) {
      this.logger.warn('The web app is not built: run "npm run build:web" to serve it at /.');
      return;
    }
    this.adapterHost.httpAdapter.use(webAppHandler(dir));
  }
}
