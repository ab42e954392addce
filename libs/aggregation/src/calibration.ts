import { wilsonInterval, Z_95 } from './stats.js';

export interface DeviceShare {
  /** People the camera counted entering. */
  people: number;
  /** Visitor visits the radios saw start in the same buckets. */
  devices: number;
  /** Share of people carrying a detectable device, with a 95 % Wilson interval. */
  share: number;
  lower: number;
  upper: number;
}

/**
 * Share of people with a detectable device where a camera and the radios both see the entrance:
 * device visits ÷ camera entries, treated as a binomial proportion (each person entering either
 * carries a detectable device or not). Undefined without camera entries. More devices than people
 * (two phones, a miscount) is capped at a share of 1.
 */
export function deviceShare(params: {
  people: number;
  devices: number;
  z?: number;
}): DeviceShare | undefined {
  const { people, devices } = params;
  const interval = wilsonInterval(Math.min(devices, people), people, params.z ?? Z_95);
  if (!interval) return undefined;
  return {
    people,
    devices,
    share: interval.estimate,
    lower: interval.lower,
    upper: interval.upper,
  };
}

/**
 * People behind a device count, given a calibrated device share: devices ÷ share, with the interval
 * from the share's interval (devices ÷ upper … devices ÷ lower). Undefined when the share is 0.
 */
export function peopleEstimate(params: {
  devices: number;
  share: Pick<DeviceShare, 'share' | 'lower' | 'upper'>;
}): { estimate: number; lower: number; upper: number | null } | undefined {
  const { devices, share } = params;
  if (!(share.share > 0)) return undefined;
  return {
    estimate: devices / share.share,
    lower: devices / share.upper,
    upper: share.lower > 0 ? devices / share.lower : null,
  };
}
