import type {
  AisleEvent,
  GateDecision,
  Observation,
  PolicyContext,
  PolicyModule,
  PositionUpdate,
} from '@aisle/sdk';
import { minutes, type StaffOnlyZonesConfig, type Weekday } from './config.js';

/** The reason shown in `policy_rejected` and the module's restriction counter. */
export const STAFF_ONLY = 'staff_only_zone';

const ACCEPT: GateDecision = { accept: true };
const DROP: GateDecision = { accept: false, reason: STAFF_ONLY };

const WEEKDAY: Record<string, Weekday> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

/** Is `at` inside the opening hours, in the store's time zone? Cached per minute. */
export class OpeningHours {
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = Number.NaN;
  private cachedAnswer = true;

  constructor(
    private readonly windows: StaffOnlyZonesConfig['openingHours'],
    timeZone: string,
  ) {
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  }

  isOpen(at: number): boolean {
    if (this.windows.length === 0) return true;
    const minute = Math.floor(at / 60_000);
    if (minute !== this.cachedMinute) {
      this.cachedMinute = minute;
      const parts = Object.fromEntries(
        this.format.formatToParts(new Date(at)).map((p) => [p.type, p.value]),
      );
      const day = WEEKDAY[parts['weekday'] ?? ''];
      const now = Number(parts['hour']) * 60 + Number(parts['minute']);
      this.cachedAnswer = this.windows.some(
        (w) =>
          day !== undefined &&
          w.days.includes(day) &&
          now >= minutes(w.from) &&
          now < minutes(w.to),
      );
    }
    return this.cachedAnswer;
  }
}

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
