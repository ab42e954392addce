import { distanceToPolygonEdge, pointInPolygon, type Point } from './geometry.js';

export interface ZoneShape {
  id: string;
  polygon: readonly Point[];
  tags?: readonly string[];
}

export interface ZoneHysteresis {
  /** A subject leaves its zone only once this far outside it, metres. */
  marginM: number;
  /** … and only once the new zone has been the candidate for this long, ms. */
  dwellMs: number;
  /** The margin grows to this share of the position's uncertainty radius … */
  uncertaintyShare: number;
  /** … up to this many metres. */
  maxMarginM: number;
}

/**
 * The margin is the position's radial (DRMS) uncertainty, i.e. √2 per-axis standard deviations: a
 * subject is moved out of its zone once it is beyond the boundary with ~92 % (one-sided)
 * confidence. The fixed floor is small (0.5 m) because the tracker's uncertainty is consistent and a
 * standing subject's shrinks with time, so a zone that was wrong on arrival is corrected soon. (A
 * wider margin, 2σ, held wrong zones longer on the simulated store for no fewer changes.)
 */
export const DEFAULT_ZONE_HYSTERESIS: ZoneHysteresis = {
  marginM: 0.5,
  dwellMs: 2_000,
  uncertaintyShare: 1,
  maxMarginM: 3,
};

/** A subject's zone state: the zone it is in and the one it may be moving to. */
export interface ZoneState {
  zoneId: string | null;
  candidate: { zoneId: string | null; since: number } | null;
  initialised: boolean;
}

export const INITIAL_ZONE_STATE: ZoneState = { zoneId: null, candidate: null, initialised: false };

/** First zone (in the given order) containing the point, or null. */
export function zoneAt(point: Point, zones: readonly ZoneShape[]): string | null {
  for (const z of zones) if (pointInPolygon(point, z.polygon)) return z.id;
  return null;
}

/**
 * Zone assignment with spatial and temporal hysteresis: the first fix takes its zone at once;
 * after that a subject stays in its zone while it is inside it or within a margin of it (`marginM`,
 * wider for uncertain positions: `uncertaintyShare` of the radius up to `maxMarginM`), and
 * moves to another zone only after that zone has been the candidate for `dwellMs` (two fixes at
 * least). A subject standing still near a boundary therefore does not flap.
 */
export function assignZone(params: {
  state: ZoneState;
  point: Point;
  at: number;
  zones: readonly ZoneShape[];
  /** 1-σ radius of the position, metres: an uncertain position needs a wider margin to switch. */
  uncertainty?: number;
  hysteresis?: Partial<ZoneHysteresis>;
}): ZoneState {
  const { state, point, at, zones } = params;
  const h = { ...DEFAULT_ZONE_HYSTERESIS, ...params.hysteresis };
  const u = params.uncertainty ?? 0;
  const margin = Math.max(
    h.marginM,
    Math.min(h.maxMarginM, Number.isFinite(u) ? h.uncertaintyShare * u : h.maxMarginM),
  );
  const raw = zoneAt(point, zones);
  if (!state.initialised) return { zoneId: raw, candidate: null, initialised: true };
  if (raw === state.zoneId) return { ...state, candidate: null };
  const current = state.zoneId === null ? undefined : zones.find((z) => z.id === state.zoneId);
  if (current && distanceToPolygonEdge(point, current.polygon) <= margin) {
    return { ...state, candidate: null };
  }
  if (state.candidate && state.candidate.zoneId === raw) {
    return at - state.candidate.since >= h.dwellMs
      ? { zoneId: raw, candidate: null, initialised: true }
      : state;
  }
  return { ...state, candidate: { zoneId: raw, since: at } };
}
