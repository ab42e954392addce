import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Clock, Sighting } from '@aisle/sdk';
import type { Principal } from '../auth/principal.js';
import type { HandOff, Unsubscribe } from '../contracts/hand-off.js';
import { SIGHTINGS } from '../contracts/hand-off.module.js';
import { LocalisationService, POSITION_TTL_MS } from '../localisation/localisation.service.js';
import { WifiOccupancyService } from '../occupancy/wifi-occupancy.service.js';
import { CLOCK } from '../platform/platform.tokens.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { StoreDirectory } from '../stores/store-directory.js';

export interface LivePosition {
  subject: string;
  kind: string;
  x: number;
  y: number;
  uncertainty: number;
  zoneId: string | null;
  at: string;
}

export interface LiveSensor {
  sensorId: string;
  domain: string;
  status: string;
  available: boolean | null;
  reason: string | null;
  error: string | null;
  /** Last sighting of this sensor that passed the gate (since the hub started). */
  lastSightingAt: string | null;
}

/** One frame of the live view: what the positions, plugins and occupancy routes would show. */
export interface LiveSnapshot {
  storeId: string;
  at: string;
  mode: string;
  /** Why there are no positions (tracking mode), or null. */
  reason: string | null;
  maxAgeSeconds: number;
  positions: LivePosition[];
  /** People positioned per zone now (from `positions`; in-visit only). */
  zones: { zoneId: string; count: number }[];
  sensors: LiveSensor[];
  /** The live Wi-Fi occupancy estimate (last closed interval), null below k or when none. */
  occupancy: {
    estimate: number | null;
    low: number | null;
    high: number | null;
    suppressed: boolean;
    end: string;
  } | null;
}

/**
 * Builds live frames for a key, from the same sources and with the same rules as
 * `GET …/positions` (in-visit only, subjects re-keyed per key for every role but admin),
 * `GET /api/plugins/:domain` (driver states of the key's stores) and `GET …/occupancy/estimate`
 * (suppressed below k for every role but admin). Also remembers each sensor's last sighting.
 */
@Injectable()
export class LiveService implements OnModuleInit, OnModuleDestroy {
  /** Store → sensor → its last sighting's time (per sighting: two lookups, no key string built). */
  private readonly lastSighting = new Map<string, Map<string, number>>();
  private unsubscribe?: Unsubscribe;

  constructor(
    @Inject(SIGHTINGS) private readonly sightings: HandOff<Sighting>,
    @Inject(LocalisationService) private readonly localisation: LocalisationService,
    @Inject(WifiOccupancyService) private readonly occupancy: WifiOccupancyService,
    @Inject(PluginHost) private readonly host: PluginHost,
    @Inject(StoreDirectory) private readonly directory: StoreDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.sightings.subscribe((s) => {
      let sensors = this.lastSighting.get(s.storeId);
      if (sensors === undefined) {
        sensors = new Map();
        this.lastSighting.set(s.storeId, sensors);
      }
      sensors.set(s.sensorId, s.at);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  snapshot(storeId: string, principal: Principal): LiveSnapshot {
    const mode = this.directory.tracking(storeId)?.mode ?? 'off';
    const admin = principal.role === 'admin';
    const viewer = admin ? undefined : principal.keyId;
    const positions: LivePosition[] =
      mode === 'in-visit'
        ? this.localisation.currentPositions(storeId, viewer).map((p) => ({
            subject: p.subject,
            kind: p.kind,
            x: round(p.x),
            y: round(p.y),
            uncertainty: round(p.uncertainty),
            zoneId: p.zoneId,
            at: new Date(p.at).toISOString(),
          }))
        : [];
    const zones = new Map<string, number>();
    for (const p of positions) {
      if (p.zoneId) zones.set(p.zoneId, (zones.get(p.zoneId) ?? 0) + 1);
    }
    const sensors = this.host.driverStates(storeId).map((s) => {
      const last = this.lastSighting.get(storeId)?.get(s.sensorId);
      return {
        sensorId: s.sensorId,
        domain: s.domain,
        status: s.status,
        available: s.available,
        reason: s.reason ?? null,
        error: s.error ?? null,
        lastSightingAt: last === undefined ? null : new Date(last).toISOString(),
      };
    });
    const live = mode === 'off' ? null : this.occupancy.estimate(storeId);
    const k = admin ? 0 : this.directory.minSubjects(storeId);
    const current = live?.current;
    return {
      storeId,
      at: new Date(this.clock.now()).toISOString(),
      mode,
      reason:
        mode === 'in-visit'
          ? null
          : mode === 'off'
            ? 'tracking is off for this store: there are no positions'
            : `tracking mode is ${mode}: no per-device position is kept or shown`,
      maxAgeSeconds: POSITION_TTL_MS / 1000,
      positions,
      zones: [...zones].map(([zoneId, count]) => ({ zoneId, count })),
      sensors,
      occupancy: current
        ? {
            estimate: current.subjects < k ? null : current.estimate,
            low: current.subjects < k ? null : current.low,
            high: current.subjects < k ? null : current.high,
            suppressed: current.subjects < k,
            end: new Date(current.end).toISOString(),
          }
        : null,
    };
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
