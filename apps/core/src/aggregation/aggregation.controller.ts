import {
  Controller,
  Get,
  Header,
  Inject,
  Param,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  BUCKET_SIZES,
  QUERY_METRICS,
  heatmapGrid,
  heatmapPng,
  isRangeMetric,
  metricSeries,
  seriesZones,
  rangeFigure,
  sourceMetrics,
  DEFAULT_HEAT_CELL_M,
  type BucketSize,
  type QueryMetric,
} from '@aisle/aggregation';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { ApiStoreScopedErrors, ApiValidationErrors } from '../api/common/api-responses.js';
import { DomainValidationError, NotFoundError } from '../http/domain-errors.js';
import type { Clock } from '@aisle/sdk';
import { CLOCK } from '../platform/platform.tokens.js';
import { AggregationService } from './aggregation.service.js';
import { StoreDirectory } from '../stores/store-directory.js';
import type { StoreSnapshot } from '../stores/store-snapshot.js';

const DAY_MS = 86_400_000;
/** Longest range per bucket size: keeps one response a few thousand points at most. */
const MAX_RANGE_MS: Record<BucketSize, number> = {
  '1m': 7 * DAY_MS,
  '1h': 400 * DAY_MS,
  '1d': 800 * DAY_MS,
};

type Flat = Record<string, string | number | boolean | null>;

/**
 * Analytics of a store from the rollups. Figures derived from fewer than k subjects (store policy
 * `suppression.minSubjects`) are `null` with `suppressed: true` for every role but admin.
 */
@ApiTags('analytics')
@ApiStoreScopedErrors()
@Controller('api/stores/:storeId')
export class AggregationController {
  constructor(
    @Inject(AggregationService) private readonly aggregation: AggregationService,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('metrics/:metric')
  @Roles('store-manager', 'integrator', 'subscriber')
  @ApiOperation({
    summary: 'A metric over time (JSON, or CSV with Accept: text/csv or format=csv)',
    description:
      'Series per bucket; `transitions` and `paths` are one figure over the range. Small cells ' +
      '(fewer than k subjects) are null with suppressed=true for non-admin keys.',
  })
  @ApiParam({ name: 'metric', enum: QUERY_METRICS })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'ISO time or epoch ms (default: to − 24 h)',
  })
  @ApiQuery({ name: 'to', required: false, description: 'ISO time or epoch ms (default: now)' })
  @ApiQuery({ name: 'bucket', required: false, enum: BUCKET_SIZES })
  @ApiQuery({
    name: 'zone',
    required: false,
    description: 'Zone or counting line; default: the store',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: '{ storeId, metric, bucket, zone, from, to, k, series | figure }' })
  @ApiValidationErrors()
  async metric(
    @Param('storeId') storeId: string,
    @Param('metric') metricParam: string,
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Req() req: { headers: Record<string, string | string[] | undefined> },
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const store = await this.store(storeId);
    const { from, to, bucket, zone, format } = this.range(query, req.headers['accept']);
    if (!(QUERY_METRICS as readonly string[]).includes(metricParam)) {
      throw new DomainValidationError([
        {
          field: 'metric',
          value: metricParam,
          message:
            metricParam === 'heatmap'
              ? `the heatmap is not a series: GET /api/stores/${storeId}/heatmap (JSON grid or PNG)`
              : `must be one of ${QUERY_METRICS.join(', ')} (the heatmap is at /api/stores/${storeId}/heatmap)`,
        },
      ]);
    }
    if (zone !== undefined) await this.knownZone(store, zone);
    const metric = metricParam as QueryMetric;
    const k = this.k(storeId, principal);
    const range = isRangeMetric(metric);
    const rows = await this.aggregation.rollups.rows({
      storeId,
      bucket: range && bucket === '1m' ? '1h' : bucket,
      from,
      to,
      metrics: sourceMetrics(metric),
      // Only the zones the series reads (the range figures read every zone's rows).
      ...(range ? {} : { zoneIds: seriesZones(metric, zone) }),
    });
    const head = {
      storeId,
      metric,
      bucket,
      zone: zone ?? null,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      k: k === 0 ? null : k,
    };
    if (range) {
      const figure = rangeFigure({ metric: metric as 'transitions' | 'paths', rows, k });
      if (format === 'csv') {
        res.setHeader('content-type', 'text/csv; charset=utf-8');
        const list = (figure['cells'] ?? figure['paths']) as Record<string, unknown>[];
        return toCsv(
          list.map((item) => ({
            ...(item['from'] !== undefined
              ? { from: item['from'] as string, to: item['to'] as string }
              : {}),
            ...(Array.isArray(item['path']) ? { path: (item['path'] as string[]).join('>') } : {}),
            count: (item['count'] as number | null) ?? null,
          })),
        );
      }
      return { ...head, figure };
    }
    const series = metricSeries({
      metric,
      rows,
      bucket,
      timeZone: store.timezone,
      ...(zone !== undefined ? { zoneId: zone } : {}),
      k,
    });
    if (format === 'csv') {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      return toCsv(
        series.map((p) => {
          const flat: Flat = { start: new Date(p.start).toISOString() };
          for (const [key, value] of Object.entries(p)) {
            if (key === 'start') continue;
            if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
              flat[key] = value as Flat[string];
            }
          }
          return flat;
        }),
      );
    }
    return {
      ...head,
      series: series.map((p) => ({ ...p, start: new Date(p.start).toISOString() })),
    };
  }

  @Get('heatmap')
  @Roles('store-manager', 'integrator', 'subscriber')
  @ApiOperation({
    summary:
      'Dwell density on a grid over the floor plan (JSON grid, or PNG with Accept: image/png or format=png)',
    description:
      'Cells row-major from (0, 0), x to the right and y down from the front edge, as everywhere ' +
      'in the API. The PNG is drawn in the same frame (row 0 at the top, (0,0) marked), with zone ' +
      'outlines and names, a colour legend in dwell seconds (grey: fewer than k visits) and a ' +
      'scale bar in metres.',
  })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'png'] })
  @ApiProduces('application/json', 'image/png')
  @Header('cache-control', 'no-store')
  async heatmap(
    @Param('storeId') storeId: string,
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Req() req: { headers: Record<string, string | string[] | undefined> },
  ): Promise<unknown> {
    const store = await this.store(storeId);
    const { from, to, format } = this.range({ ...query, bucket: '1h' }, req.headers['accept']);
    const k = this.k(storeId, principal);
    const rows = await this.aggregation.rollups.rows({
      storeId,
      bucket: '1h',
      from,
      to,
      metrics: ['heatmap'],
    });
    const grid = heatmapGrid({
      details: rows.flatMap((r) => (r.detail ? [r.detail] : [])),
      fallback: {
        cols: Math.max(1, Math.ceil(store.width / DEFAULT_HEAT_CELL_M)),
        rows: Math.max(1, Math.ceil(store.height / DEFAULT_HEAT_CELL_M)),
        cellM: DEFAULT_HEAT_CELL_M,
      },
      k,
    });
    if (format === 'png') {
      const png = heatmapPng(grid, { zones: store.zones });
      return new StreamableFile(png, { type: 'image/png' });
    }
    return {
      storeId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      k: k === 0 ? null : k,
      ...grid,
    };
  }

  private async store(storeId: string): Promise<StoreSnapshot> {
    const store = this.directory.get(storeId);
    if (!store) throw new NotFoundError('store', storeId);
    return store;
  }

  /**
   * 404 unless `zone` is one of the store's zones, a counting line the store's cameras have
   * reported (lines exist only in the counts they produce), or a deleted zone that still has
   * figures.
   */
  private async knownZone(store: StoreSnapshot, zone: string): Promise<void> {
    if (store.zones.some((z) => z.id === zone)) return;
    if (await this.aggregation.rollups.hasZone(store.id, zone)) return;
    throw new NotFoundError('zone or counting line', zone, `in store ${JSON.stringify(store.id)}`);
  }

  /** Suppression threshold for this caller: none for admin, the store's k for everyone else. */
  private k(storeId: string, principal: Principal): number {
    if (principal.role === 'admin') return 0;
    return this.directory.minSubjects(storeId);
  }

  private range(
    query: Record<string, unknown>,
    accept: string | string[] | undefined,
  ): { from: number; to: number; bucket: BucketSize; zone?: string; format: string } {
    const errors: { field: string; value: unknown; message: string }[] = [];
    const time = (field: string, fallback: number): number => {
      const raw = query[field];
      if (raw === undefined || raw === '') return fallback;
      const value =
        typeof raw === 'string' && /^\d+$/.test(raw)
          ? Number(raw)
          : typeof raw === 'string'
            ? Date.parse(raw)
            : Number.NaN;
      if (!Number.isFinite(value)) {
        errors.push({
          field,
          value: raw,
          message: 'must be an ISO date-time or epoch milliseconds',
        });
        return fallback;
      }
      return value;
    };
    const to = time('to', this.clock.now());
    const from = time('from', to - DAY_MS);
    const bucket = (query['bucket'] ?? '1h') as BucketSize;
    if (!BUCKET_SIZES.includes(bucket)) {
      errors.push({
        field: 'bucket',
        value: query['bucket'],
        message: `must be one of ${BUCKET_SIZES.join(', ')}`,
      });
    } else if (to - from > MAX_RANGE_MS[bucket]) {
      errors.push({
        field: 'from',
        value: query['from'],
        message: `the range may span at most ${MAX_RANGE_MS[bucket] / DAY_MS} days with bucket ${bucket}`,
      });
    }
    if (!(to > from)) {
      errors.push({ field: 'to', value: query['to'], message: 'must be after from' });
    }
    const zone = query['zone'];
    if (zone !== undefined && (typeof zone !== 'string' || zone === '')) {
      errors.push({ field: 'zone', value: zone, message: 'must be a zone or line id' });
    }
    const acceptText = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
    const format =
      typeof query['format'] === 'string'
        ? query['format']
        : /text\/csv/.test(acceptText)
          ? 'csv'
          : /image\/png/.test(acceptText)
            ? 'png'
            : 'json';
    if (!['json', 'csv', 'png'].includes(format)) {
      errors.push({ field: 'format', value: query['format'], message: 'must be json, csv or png' });
    }
    if (errors.length > 0) throw new DomainValidationError(errors);
    return { from, to, bucket, ...(typeof zone === 'string' ? { zone } : {}), format };
  }
}

/** RFC 4180 CSV with a header from the first row's keys (union of keys, in first-seen order). */
export function toCsv(rows: readonly Flat[]): string {
  const keys: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row)) if (!keys.includes(key)) keys.push(key);
  }
  if (keys.length === 0) keys.push('start', 'value', 'suppressed');
  const cell = (v: Flat[string] | undefined): string => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[keys.join(','), ...rows.map((r) => keys.map((k) => cell(r[k])).join(','))].join('\r\n')}\r\n`;
}
