import { Controller, Get, Header, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiStoreScopedErrors } from '../api/common/api-responses.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { NotFoundError } from '../http/domain-errors.js';
import type { Clock } from '@aisle/sdk';
import { CLOCK } from '../platform/platform.tokens.js';
import { StoreDirectory } from '../stores/store-directory.js';
import { WifiOccupancyService, type OccupancyPoint } from './wifi-occupancy.service.js';
import { OccupancyEstimateView, OccupancyPointView } from './occupancy.views.js';

/**
 * The live Wi-Fi occupancy estimate of a store (in memory, from the sightings stream; nothing per
 * device behind it is stored). Small cells are suppressed for every role but admin.
 */
@ApiTags('analytics')
@ApiStoreScopedErrors()
@Controller('api/stores/:storeId/occupancy')
export class OccupancyController {
  constructor(
    @Inject(WifiOccupancyService) private readonly occupancy: WifiOccupancyService,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('estimate')
  @Roles('store-manager', 'integrator', 'subscriber')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'People present now, estimated from Wi-Fi probe requests',
    description:
      'The last closed interval (5 min), the open one so far and the last hour of closed ones. ' +
      'Formed in memory within minutes from the sightings stream, in count-only mode too. A ' +
      'figure from fewer than k subjects is null with suppressed=true for non-admin keys.',
  })
  @ApiOkResponse({ type: OccupancyEstimateView })
  async estimate(
    @Param('storeId') storeId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OccupancyEstimateView> {
    if (!this.directory.has(storeId)) throw new NotFoundError('store', storeId);
    const admin = principal.role === 'admin';
    const k = admin ? 0 : this.directory.minSubjects(storeId);
    const mode = this.directory.tracking(storeId)?.mode ?? 'off';
    const live = mode === 'off' ? null : this.occupancy.estimate(storeId);
    const view = (p: OccupancyPoint): OccupancyPointView => {
      const suppressed = p.subjects < k;
      return {
        start: new Date(p.start).toISOString(),
        end: new Date(p.end).toISOString(),
        estimate: suppressed ? null : p.estimate,
        low: suppressed ? null : p.low,
        high: suppressed ? null : p.high,
        suppressed,
        ...(admin ? { subjects: p.subjects } : {}),
      };
    };
    return {
      storeId,
      mode,
      method: this.occupancy.method,
      intervalSeconds: this.occupancy.intervalMs / 1000,
      k: admin ? null : k,
      at: new Date(this.clock.now()).toISOString(),
      reason:
        mode === 'off'
          ? 'tracking is off for this store: there is no estimate'
          : live
            ? null
            : 'no Wi-Fi sighting has reached the estimator since the hub started',
      current: live?.current ? view(live.current) : null,
      inProgress: live?.inProgress ? view(live.inProgress) : null,
      series: live ? live.series.map(view) : [],
    };
  }
}
