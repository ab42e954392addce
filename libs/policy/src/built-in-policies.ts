import {
  definePolicy,
  type GateDecision,
  type OfferCandidate,
  type PolicyModule,
  type PolicyPlugin,
} from '@aisle/sdk';
import { isSensitiveZone } from './coupon-policy.js';
import { missingNoticeFields, type NoticeDocument } from './notice.js';
import {
  FIXED_DEVICE,
  OPTED_OUT,
  fixedDeviceModule,
  optOutModule,
  type OptOutList,
} from './opt-out.js';
import type { StorePolicy } from './store-policy.js';
import { TrackingHours, trackingHoursModule, type TrackingWindow } from './tracking-hours.js';

/**
 * A policy module the hub ships. It goes through the same contract as a third-party policy plugin
 * (`PolicyPlugin.createPolicy` → `PolicyModule`), is listed with the plugins, and is always on: a
 * store configures it through its own section of the policy (`hours`, `notice`, `coupons`) and
 * cannot de-select it, so no store can remove the guarantee it enforces.
 */
export interface BuiltInPolicy<TConfig extends object = object> {
  domain: string;
  name: string;
  /** What it guarantees, in one line (shown in `GET /api/plugins`). */
  description: string;
  plugin: PolicyPlugin<TConfig>;
  /** The module's configuration for one store, from its parsed policy and own devices. */
  configFor(store: { id: string; policy: StorePolicy; fixedDevices: readonly string[] }): TConfig;
}

/** Domains of the built-in policy modules (a store cannot select or de-select them). */
export const BUILT_IN_POLICY_DOMAINS = [
  'aisle-opt-out',
  'aisle-fixed-devices',
  'aisle-tracking-hours',
  'aisle-notice',
  'aisle-coupons',
] as const;

const ACCEPT: GateDecision = { accept: true };

/** The built-ins take no configuration of their own beyond what the store policy says. */
export class NoConfig {}

export class FixedDevicesConfig {
  /** Keyed digests of the store's own devices. */
  devices: string[] = [];
}

export class TrackingHoursConfig {
  hours: TrackingWindow[] = [];
}

export class NoticeConfig {
  notice: Partial<NoticeDocument> = {};
}

export class CouponsConfig {
  enabled = false;
}

/** Gate reason of the notice module: no offer while the shopper notice is incomplete. */
export const NOTICE_INCOMPLETE = 'notice_incomplete';
/** Offer veto reasons of the coupon module. */
export const COUPONS_DISABLED = 'coupons_disabled';
export const SENSITIVE_ZONE = 'sensitive_zone';

/**
 * The built-in modules of a hub. `optOut` is the hub-wide opt-out list; `storeDeviceList` gives an
 * empty list under a store's derived key, for its fixed devices.
 */
export function builtInPolicies(deps: {
  optOut: OptOutList;
  storeDeviceList?: (storeId: string) => OptOutList;
}): BuiltInPolicy[] {
  const optOut: BuiltInPolicy<NoConfig> = {
    domain: 'aisle-opt-out',
    name: 'Opt-out list',
    description: `drops every observation of an opted-out device before pseudonymisation (${OPTED_OUT})`,
    plugin: definePolicy({ configSchema: NoConfig, createPolicy: () => optOutModule(deps.optOut) }),
    configFor: () => new NoConfig(),
  };
  const fixed: BuiltInPolicy<FixedDevicesConfig> = {
    domain: 'aisle-fixed-devices',
    name: "Store's own devices",
    description: `drops the store's fixed devices (staff PCs, printers) before pseudonymisation (${FIXED_DEVICE})`,
    plugin: definePolicy({
      configSchema: FixedDevicesConfig,
      createPolicy: (ctx): PolicyModule => {
        if (!deps.storeDeviceList || ctx.config.devices.length === 0) return {};
        const list = deps.storeDeviceList(ctx.storeId);
        for (const hash of ctx.config.devices) list.add(hash);
        return fixedDeviceModule(list);
      },
    }),
    configFor: (store) =>
      Object.assign(new FixedDevicesConfig(), { devices: [...store.fixedDevices] }),
  };
  const hours: BuiltInPolicy<TrackingHoursConfig> = {
    domain: 'aisle-tracking-hours',
    name: 'Tracking hours',
    description: 'drops observations outside the store policy `hours`, in the store time zone',
    plugin: definePolicy({
      configSchema: TrackingHoursConfig,
      createPolicy: (ctx): PolicyModule =>
        ctx.config.hours.length === 0
          ? {}
          : trackingHoursModule(new TrackingHours(ctx.config.hours, ctx.timezone)),
    }),
    configFor: (store) =>
      Object.assign(new TrackingHoursConfig(), { hours: [...store.policy.hours] }),
  };
  const notice: BuiltInPolicy<NoticeConfig> = {
    domain: 'aisle-notice',
    name: 'Shopper notice',
    description: 'vetoes every offer while the store notice is incomplete',
    plugin: definePolicy({
      configSchema: NoticeConfig,
      createPolicy: (ctx): PolicyModule => {
        const complete = missingNoticeFields(ctx.config.notice).length === 0;
        return {
          offer: (): GateDecision =>
            complete ? ACCEPT : { accept: false, reason: NOTICE_INCOMPLETE },
        };
      },
    }),
    configFor: (store) => Object.assign(new NoticeConfig(), { notice: store.policy.notice }),
  };
  const coupons: BuiltInPolicy<CouponsConfig> = {
    domain: 'aisle-coupons',
    name: 'Offer guarantees',
    description:
      'vetoes offers when the store has not enabled them, and any offer in a sensitive zone',
    plugin: definePolicy({
      configSchema: CouponsConfig,
      createPolicy: (ctx): PolicyModule => {
        const sensitive = new Set(
          ctx.zones.filter((z) => isSensitiveZone(z.tags)).map((z) => z.id),
        );
        return {
          offer: (offer: Readonly<OfferCandidate>): GateDecision => {
            if (!ctx.config.enabled) return { accept: false, reason: COUPONS_DISABLED };
            if (offer.zoneId !== null && sensitive.has(offer.zoneId)) {
              return { accept: false, reason: SENSITIVE_ZONE };
            }
            return ACCEPT;
          },
        };
      },
    }),
    configFor: (store) =>
      Object.assign(new CouponsConfig(), { enabled: store.policy.coupons.enabled }),
  };
  return [optOut, fixed, hours, notice, coupons] as BuiltInPolicy[];
}
