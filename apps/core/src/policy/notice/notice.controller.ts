import { Controller, Get, Inject, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { buildPublicNotice, renderPublicNoticeHtml, type PublicNotice } from '@aisle/policy';
import { SENSOR_KINDS, type SensorKind } from '@aisle/sdk';
import { Public } from '../../auth/public.decorator.js';
import { PLUGIN_CATALOG, type PluginCatalog } from '../../plugins/plugin-catalog.js';
import { StoreDirectory } from '../../stores/store-directory.js';

/** Public path of the opt-out endpoint, shown on every notice. */
export const OPT_OUT_PATH = '/opt-out';

/**
 * The public notice of a store: no key needed, for shoppers (from the QR code on the signs) and for
 * consenting members' apps. HTML for browsers, JSON for apps (`Accept` or `?format=`).
 */
@ApiTags('notice')
@Controller('notice')
export class NoticeController {
  constructor(
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(PLUGIN_CATALOG) private readonly catalog: PluginCatalog,
  ) {}

  @Public()
  @Get(':storeId')
  @ApiOperation({
    summary:
      "A store's public notice: what is collected, why, how long, how to opt out, status now",
  })
  @ApiProduces('text/html', 'application/json')
  @ApiQuery({ name: 'format', required: false, enum: ['html', 'json'] })
  async notice(
    @Param('storeId') storeId: string,
    @Query('format') format: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const notice = await this.build(storeId);
    const wantsHtml = format ? format === 'html' : req.accepts(['json', 'html']) === 'html';
    res.setHeader('Cache-Control', 'no-cache');
    if (wantsHtml) res.type('html').send(renderPublicNoticeHtml(notice));
    else res.json(notice);
  }

  private async build(storeId: string): Promise<PublicNotice> {
    const store = this.directory.get(storeId);
    if (!store) throw new NotFoundException(`no store ${JSON.stringify(storeId)}`);
    const policy = store.policy;
    const sensors = store.sensors.filter((s) => s.enabled);
    const kinds = new Set<SensorKind>();
    for (const sensor of sensors) {
      for (const kind of this.catalog.sensorKindsOf(sensor.domain)) {
        if ((SENSOR_KINDS as readonly string[]).includes(kind)) kinds.add(kind as SensorKind);
      }
    }
    return buildPublicNotice({
      store: { id: store.id, name: store.name },
      policy,
      sensorKinds: [...kinds],
      optOutUrl: OPT_OUT_PATH,
      withinHours: this.directory.isOpen(storeId, Date.now()),
    });
  }
}
