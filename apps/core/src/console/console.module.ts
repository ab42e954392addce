import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { IngestModule } from '../ingest/ingest.module.js';
import { LocalisationModule } from '../localisation/localisation.module.js';
import { OccupancyModule } from '../occupancy/occupancy.module.js';
import { ConsoleService } from './console.service.js';
import { FloorPlanImageController } from './floor-plan-image.controller.js';
import { LiveController } from './live.controller.js';
import { LiveService } from './live.service.js';
import { PrivacySummaryController } from './privacy-summary.controller.js';
import { SessionController } from './session.controller.js';

/** The built console (`apps/console/dist`; this file is `apps/core/{src,dist}/console/*`). */
export const CONSOLE_DIST = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'console',
  'dist',
);

/**
 * The web console: its static files at `/` (same origin as the API; only `/` renders the page,
 * the app routes in the URL fragment, so no API path is shadowed), and the routes it needs
 * beyond the REST API: who the key is, the live view as Server-Sent Events, the floor-plan image.
 */
@Module({
  imports: [
    IngestModule,
    LocalisationModule,
    OccupancyModule,
    // Not built (yet): `/` answers 404 and every other route is unaffected.
    ServeStaticModule.forRoot({
      rootPath: CONSOLE_DIST,
      renderPath: '/',
      serveStaticOptions: { index: false, fallthrough: true },
    }),
  ],
  controllers: [
    SessionController,
    LiveController,
    FloorPlanImageController,
    PrivacySummaryController,
  ],
  providers: [ConsoleService, LiveService],
})
export class ConsoleModule {}
