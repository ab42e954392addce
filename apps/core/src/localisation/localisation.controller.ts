import { Controller, Get, Header, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiStoreScopedErrors, ApiValidationErrors } from '../api/common/api-responses.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { DomainValidationError, NotFoundError } from '../http/domain-errors.js';
import type { Clock } from '@aisle/sdk';
import { CLOCK } from '../platform/platform.tokens.js';
import { StoreDirectory } from '../stores/store-directory.js';
import type { StoreSnapshot } from '../stores/store-snapshot.js';
import { LocalisationService, POSITION_TTL_MS } from './localisation.service.js';
import { CalibrationView, CoverageView, PositionsView } from './localisation.views.js';

/** Coverage cells: 0.25–5 m (a 30 × 20 m store at 1 m is 600 cells). */
const COVERAGE_STEP_RANGE: readonly [number, number] = [0.25, 5];

/**
 * Live localisation of a store: current pseudonymous positions (admin, store-manager and
 * integrator keys of the store; subject ids are re-keyed per API key for every role but admin),
 * the CRLB coverage of its sensor layout and its reference-beacon calibration.
 */
@ApiTags('localisation')
@ApiStoreScopedErrors()
@Controller('api/stores/:storeId')
export class LocalisationController {
  constructor(
    @Inject(LocalisationService) private readonly localisation: LocalisationService,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('positions')
  @Roles('store-manager', 'integrator')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Current pseudonymous positions (in-visit tracking only)',
    description:
      'Subjects heard in the last few seconds with position, 1-σ uncertainty radius and zone. ' +
      'Empty, with `reason`, when the tracking mode keeps no per-device data (off, count-only, ' +
      'consented). Never includes positions in sensitive zones. `subject` is the gate pseudonym ' +
      'for admin keys only; for other keys it is re-keyed per API key (and per hub process), ' +
      'so it cannot be joined with stored sightings or with what another key sees.',
  })
  @ApiOkResponse({ type: PositionsView })
  async positions(
    @Param('storeId') storeId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PositionsView> {
    await this.store(storeId);
    const mode = this.directory.tracking(storeId)?.mode ?? 'off';
    const at = new Date(this.clock.now()).toISOString();
    if (mode !== 'in-visit') {
      return {
        storeId,
        mode,
        at,
        maxAgeSeconds: POSITION_TTL_MS / 1000,
        reason:
          mode === 'off'
            ? 'tracking is off for this store: there are no positions'
            : `tracking mode is ${mode}: no per-device position is kept or shown`,
        positions: [],
      };
    }
    const viewer = principal.role === 'admin' ? undefined : principal.keyId;
    return {
      storeId,
      mode,
      at,
      maxAgeSeconds: POSITION_TTL_MS / 1000,
      reason: null,
      positions: this.localisation.currentPositions(storeId, viewer).map((p) => ({
        subject: p.subject,
        kind: p.kind,
        x: round(p.x),
        y: round(p.y),
        uncertainty: round(p.uncertainty),
        zoneId: p.zoneId,
        method: p.method,
        sensorCount: p.sensorCount,
        at: new Date(p.at).toISOString(),
      })),
    };
  }

  @Get('coverage')
  @Roles('store-manager', 'integrator')
  @ApiOperation({
    summary: 'Positioning quality the sensor layout allows (CRLB grid)',
    description:
      'Cramér–Rao lower bound on the position RMSE (metres) per cell over the floor plan, for the ' +
      "store's radio sensors, with the calibrated path-loss exponent and σ when calibration is in " +
      'use, else the configured/default ones; null where a position cannot be determined.',
  })
  @ApiQuery({ name: 'step', required: false, description: 'Cell size, metres (0.25–5, default 1)' })
  @ApiOkResponse({ type: CoverageView })
  @ApiValidationErrors()
  async coverage(
    @Param('storeId') storeId: string,
    @Query('step') stepParam?: string,
  ): Promise<CoverageView> {
    await this.store(storeId);
    const step = stepParam === undefined || stepParam === '' ? 1 : Number(stepParam);
    const [min, max] = COVERAGE_STEP_RANGE;
    if (!Number.isFinite(step) || step < min || step > max) {
      throw new DomainValidationError([
        {
          field: 'step',
          value: stepParam,
          message: `must be a number of metres from ${min} to ${max}`,
        },
      ]);
    }
    // A store created a moment ago may not have reached localisation yet.
    const grid =
      this.localisation.coverage(storeId, step) ??
      (await this.localisation.reload(), this.localisation.coverage(storeId, step));
    if (!grid) throw new NotFoundError('store', storeId);
    return { storeId, ...grid };
  }

  @Get('calibration')
  @Roles('store-manager', 'integrator')
  @ApiOperation({
    summary: 'Radio calibration fitted from the store’s reference beacons',
    description:
      'Path-loss exponent and per-sensor receiver offsets fitted from reference-beacon sightings ' +
      '(known positions), sample counts, last fit time and whether the fit is applied.',
  })
  @ApiOkResponse({ type: CalibrationView })
  async calibration(@Param('storeId') storeId: string): Promise<CalibrationView> {
    await this.store(storeId);
    const status =
      this.localisation.calibration(storeId) ??
      (await this.localisation.reload(), this.localisation.calibration(storeId));
    if (!status) throw new NotFoundError('store', storeId);
    return {
      ...status,
      fittedAt: status.fittedAt === null ? null : new Date(status.fittedAt).toISOString(),
      attemptedAt: status.attemptedAt === null ? null : new Date(status.attemptedAt).toISOString(),
    };
  }

  private async store(storeId: string): Promise<StoreSnapshot> {
    const store = this.directory.get(storeId);
    if (!store) throw new NotFoundError('store', storeId);
    return store;
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
