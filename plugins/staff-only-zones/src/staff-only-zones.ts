import {
  WeeklyHours,
  type AisleEvent,
  type GateDecision,
  type Observation,
  type PolicyContext,
  type PolicyModule,
  type PositionUpdate,
} from '@aisle/sdk';
import type { StaffOnlyZonesConfig } from './config.js';

/** The reason shown in `policy_rejected` and the module's restriction counter. */
export const STAFF_ONLY = 'staff_only_zone';

const ACCEPT: GateDecision = { accept: true };
const DROP: GateDecision = { accept: false, reason: STAFF_ONLY };

/** Is `at` inside the opening hours, in the store's time zone? Cached per minute (the SDK's `WeeklyHours`). */
export class OpeningHours extends WeeklyHours {}

/** Zone ids an event is about (zone events, occupancy of a zone). */
function zoneOf(event: Readonly<AisleEvent>): string | null {
  const data = event.data as { zoneId?: unknown };
  return typeof data.zoneId === 'string' ? data.zoneId : null;
}

/**
 * Staff work in zones tagged `staff-only` (back office, stock room); while the store is open
 * nobody there is a shopper. During opening hours the module drops camera counts of those zones
 * at the gate, drops positions in them (so no visit dwell, zone event or live position shows
 * them), and suppresses zone and occupancy events about them. It only ever restricts.
 */
export function staffOnlyZonesModule(ctx: PolicyContext<StaffOnlyZonesConfig>): PolicyModule {
  const staffZones = new Set(
    ctx.zones.filter((z) => z.tags.includes(ctx.config.tag)).map((z) => z.id),
  );
  const hours = new OpeningHours(ctx.config.openingHours, ctx.timezone);
  if (staffZones.size === 0) {
    ctx.logger.info(`no zone is tagged ${ctx.config.tag}: nothing to restrict`);
    return {};
  }
  const restrict = (zoneId: string | null | undefined, at: number): GateDecision =>
    zoneId !== null && zoneId !== undefined && staffZones.has(zoneId) && hours.isOpen(at)
      ? DROP
      : ACCEPT;
  return {
    gate: (observation: Readonly<Observation>) =>
      observation.kind === 'camera' ? restrict(observation.zoneId, observation.at) : ACCEPT,
    position: (position: Readonly<PositionUpdate>) => restrict(position.zoneId, position.at),
    event: (event: Readonly<AisleEvent>) => restrict(zoneOf(event), event.at),
  };
}
