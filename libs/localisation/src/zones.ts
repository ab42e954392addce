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
}

export const DEFAULT_ZONE_HYSTERESIS: ZoneHysteresis = { marginM: 1, dwellMs: 2_000 };

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
 * after that a subject stays in its zone while it is inside it or within `marginM` of it, and
 * moves to another zone only after that zone has been the candidate for `dwellMs` (two fixes at
 * least). A subject standing still near a boundary therefore does not flap.
 */
export function assignZone(params: {
  state: ZoneState;
  point: Point;
  at: number;
  zones: readonly ZoneShape[];
  hysteresis?: ZoneHysteresis;
}): ZoneState {
  const { state, point, at, zones } = params;
  const h = params.hysteresis ?? DEFAULT_ZONE_HYSTERESIS;
  const raw = zoneAt(point, zones);
  if (!state.initialised) return { zoneId: raw, candidate: null, initialised: true };
  if (raw === state.zoneId) return { ...state, candidate: null };
  const current = state.zoneId === null ? undefined : zones.find((z) => z.id === state.zoneId);
  if (current && distanceToPolygonEdge(point, current.polygon) <= h.marginM) {
    return { ...state, candidate: null };
  }
  if (state.candidate && state.candidate.zoneId === raw) {
    return at - state.candidate.since >= h.dwellMs
      ? { zoneId: raw, candidate: null, initialised: true }
      : state;
  }
  return { ...state, candidate: { zoneId: raw, since: at } };
}
