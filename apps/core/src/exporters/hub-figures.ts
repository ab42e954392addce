import { bucketStart, isSuppressed, metricSeries, type QueryMetric } from '@aisle/aggregation';
import type { RollupStore } from '@aisle/persistence';
import { isSensitiveZone } from '@aisle/policy';
import type { Clock, FiguresSource, StoreFigures } from '@aisle/sdk';
import type { StoreDirectory } from '../stores/store-directory.js';

/** What the figures are read from: the store directory, the rollups, the live visits, the drivers. */
export interface HubFiguresDeps {
  directory: Pick<StoreDirectory, 'get' | 'storeIds' | 'minSubjects'>;
  clock: Clock;
  rollups: Pick<RollupStore, 'rows'>;
  /** People in the store and per zone now, from the open visits. */
  liveOccupancy(storeId: string): { store: number; zones: ReadonlyMap<string, number> };
  /** Availability of each running sensor driver (null: nothing reported yet). */
  sensorAvailability(storeId: string): { sensorId: string; available: boolean | null }[];
}

/**
 * The figures exporter plugins see: today's footfall, people estimate and device share from the
 * daily rollups, live occupancy per zone (sensitive zones left out), sensor availability; every
 * figure from fewer than the store's k subjects is null. Exporters publish outside the store
 * scope, so k always applies.
 */
export class HubFigures implements FiguresSource {
  constructor(private readonly deps: HubFiguresDeps) {}

  storeIds(): string[] {
    return this.deps.directory.storeIds();
  }

  async read(storeId: string): Promise<StoreFigures | undefined> {
    const store = this.deps.directory.get(storeId);
    if (!store) return undefined;
    const now = this.deps.clock.now();
    const k = this.deps.directory.minSubjects(storeId);
    const dayStart = bucketStart(now, '1d', store.timezone);
    const rows = await this.deps.rollups.rows({
      storeId,
      bucket: '1d',
      from: dayStart,
      to: now + 1,
      metrics: ['visits', 'footfall-in', 'footfall-out'],
    });
    const today = (metric: QueryMetric): number | null => {
      const point = metricSeries({ metric, rows, bucket: '1d', timeZone: store.timezone, k }).find(
        (p) => p.start === dayStart,
      );
      // No row yet today: nothing counted, which is 0 (not a small cell).
      return point ? point.value : 0;
    };
    const live = this.deps.liveOccupancy(storeId);
    const shown = (value: number): number | null => (isSuppressed(value, k) ? null : value);
    const availability = new Map(
      this.deps.sensorAvailability(storeId).map((s) => [s.sensorId, s.available]),
    );
    const share = today('device-share');
    const estimate = today('people-estimate');
    return {
      storeId,
      storeName: store.name,
      at: now,
      k,
      occupancy: [
        { zoneId: null, name: store.name, value: shown(live.store) },
        // A sensitive zone (pharmacy, fitting room…) publishes nothing, not even an empty count.
        ...[...store.zones]
          .filter((zone) => !isSensitiveZone(zone.tags))
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((zone) => ({
            zoneId: zone.id,
            name: zone.name,
            value: shown(live.zones.get(zone.id) ?? 0),
          })),
      ],
      footfallInToday: today('footfall-in'),
      footfallOutToday: today('footfall-out'),
      peopleEstimateToday: estimate === null ? null : Math.round(estimate),
      deviceSharePercent: share === null ? null : Math.round(share * 1000) / 10,
      sensors: [...store.sensors]
        .filter((s) => s.enabled)
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((s) => ({
          sensorId: s.id,
          domain: s.domain,
          available: availability.get(s.id) ?? null,
        })),
    };
  }
}
