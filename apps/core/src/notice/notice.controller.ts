import { Controller, Get, Inject, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { SensorEntity, StoreEntity } from '@aisle/persistence';
import { buildPublicNotice, renderPublicNoticeHtml, type PublicNotice } from '@aisle/policy';
import { SENSOR_KINDS, type SensorKind } from '@aisle/sdk';
import { Public } from '../auth/public.decorator.js';
import { StoreRuntime } from '../pipeline/store-runtime.js';
import { PluginHost } from '../plugins/plugin-host.js';

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
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(StoreRuntime) private readonly runtime: StoreRuntime,
    @Inject(PluginHost) private readonly host: PluginHost,
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
    const store = await this.dataSource.getRepository(StoreEntity).findOneBy({ id: storeId });
    const policy = this.runtime.storePolicy(storeId);
    if (!store || !policy) throw new NotFoundException(`no store ${JSON.stringify(storeId)}`);
    const sensors = await this.dataSource
      .getRepository(SensorEntity)
      .findBy({ storeId, enabled: true });
    const kinds = new Set<SensorKind>();
    for (const sensor of sensors) {
      for (const kind of this.host.get(sensor.domain)?.sensorKinds ?? []) {
        if ((SENSOR_KINDS as readonly string[]).includes(kind)) kinds.add(kind as SensorKind);
      }
    }
    return buildPublicNotice({
      store: { id: store.id, name: store.name },
      policy,
      sensorKinds: [...kinds],
      optOutUrl: OPT_OUT_PATH,
      withinHours: this.runtime.isOpen(storeId, Date.now()),
    });
  }
}
