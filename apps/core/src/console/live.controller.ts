import { Controller, Inject, Param, Query, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { concat, defer, interval, map, of, type Observable } from 'rxjs';
import { ApiStoreScopedErrors, ApiValidationErrors } from '../api/common/api-responses.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { DomainValidationError } from '../http/domain-errors.js';
import { ConsoleService } from './console.service.js';
import { LiveService } from './live.service.js';

/** Frame interval bounds, milliseconds. */
const EVERY_MS: readonly [number, number] = [250, 10_000];

/**
 * The live view as Server-Sent Events: a `snapshot` event at once and then every `everyMs`
 * (default 1 s) with current positions (in-visit only), people per zone, the sensors' driver
 * states and last sightings, and the live occupancy estimate. Authenticated like every route
 * (`Authorization` header: browsers read it with `fetch`, not `EventSource`, so the key never
 * goes in a URL); the same roles and store scope as `GET …/positions`.
 */
@ApiTags('localisation')
@ApiStoreScopedErrors()
@Controller('api/stores/:storeId')
export class LiveController {
  constructor(
    @Inject(ConsoleService) private readonly console: ConsoleService,
    @Inject(LiveService) private readonly live: LiveService,
  ) {}

  @Sse('live')
  @Roles('store-manager', 'integrator')
  @ApiOperation({
    summary: 'Live view of a store as Server-Sent Events (`snapshot` events)',
    description:
      'Each `snapshot` event carries `{ storeId, at, mode, reason, maxAgeSeconds, positions, ' +
      'zones, sensors, occupancy }` as JSON: positions as `GET …/positions` shows them (in-visit ' +
      'only; subjects re-keyed per key except for admin), `zones` the people positioned per ' +
      'zone, `sensors` the driver state and last sighting of each sensor, `occupancy` the last ' +
      'closed Wi-Fi occupancy interval (suppressed below k except for admin).',
  })
  @ApiQuery({
    name: 'everyMs',
    required: false,
    description: `Milliseconds between frames (${EVERY_MS[0]}–${EVERY_MS[1]}, default 1000)`,
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream of `snapshot` events' })
  @ApiValidationErrors()
  async stream(
    @Param('storeId') storeId: string,
    @CurrentPrincipal() principal: Principal,
    @Query('everyMs') everyParam?: string,
  ): Promise<Observable<MessageEvent>> {
    const every = everyParam === undefined || everyParam === '' ? 1000 : Number(everyParam);
    if (!Number.isInteger(every) || every < EVERY_MS[0] || every > EVERY_MS[1]) {
      throw new DomainValidationError([
        {
          field: 'everyMs',
          value: everyParam,
          message: `must be a whole number of milliseconds from ${EVERY_MS[0]} to ${EVERY_MS[1]}`,
        },
      ]);
    }
    await this.console.requireStore(storeId);
    const frame = (): MessageEvent => ({
      type: 'snapshot',
      data: this.live.snapshot(storeId, principal),
    });
    return concat(
      defer(() => of(frame())),
      interval(every).pipe(map(frame)),
    );
  }
}
