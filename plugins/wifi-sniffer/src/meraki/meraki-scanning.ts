import { timingSafeEqual, createHash } from 'node:crypto';
import { describeValue, isValidRssi, normaliseMac, type DriverObservation } from '@aisle/sdk';

/** Largest Scanning API body accepted: Meraki posts up to a few hundred clients per AP per minute. */
export const MERAKI_MAX_BODY_BYTES = 1024 * 1024;
/** Versions of the Scanning API this receiver reads. */
export const MERAKI_VERSIONS = ['3.0'] as const;

/** An access point's position as Meraki reports it (WGS84; floor plan when placed). */
export interface MerakiAp {
  /** 12 lower-case hex digits. */
  mac: string;
  lat?: number;
  lng?: number;
  floorPlan?: string;
}

export interface MerakiBody {
  ok: boolean;
  type?: 'WiFi' | 'Bluetooth';
  observations: DriverObservation[];
  aps: MerakiAp[];
  rejections: { reason: string; detail: string }[];
}

/**
 * Compares secrets in constant time: both sides are hashed first, so neither the content nor the
 * length of the expected secret leaks through timing.
 */
export function secretMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses a Scanning API body after the secret check, routed by `version`. Each client observation
 * becomes one observation per RSSI record (`locations[].rssiRecords`, each AP mapped to an Aisle
 * sensor by `apSensors`) or, without records, one for `latestRecord` from the nearest AP. Bad
 * clients are rejected one by one; SSIDs, IPs and OS names in the body are never read.
 */
export function parseMerakiBody(
  body: unknown,
  options: { apSensors?: Readonly<Record<string, string>> } = {},
): MerakiBody {
  const out: MerakiBody = { ok: false, observations: [], aps: [], rejections: [] };
  const fail = (reason: string, detail: string): MerakiBody => {
    out.rejections.push({ reason, detail });
    return out;
  };
  if (!isObj(body)) {
    return fail('bad_envelope', `body: must be a JSON object (got ${describeValue(body)})`);
  }
  const version = body['version'];
  if (!MERAKI_VERSIONS.includes(version as '3.0')) {
    return fail(
      'unsupported_version',
      `version: must be one of ${MERAKI_VERSIONS.join(', ')} (got ${describeValue(version)})`,
    );
  }
  const type = body['type'];
  if (type !== 'WiFi' && type !== 'Bluetooth') {
    return fail('bad_envelope', `type: must be "WiFi" or "Bluetooth" (got ${describeValue(type)})`);
  }
  const data = body['data'];
  if (!isObj(data) || !Array.isArray(data['observations'])) {
    return fail('bad_envelope', 'data.observations: must be an array');
  }
  out.ok = true;
  out.type = type;
  const apSensors = new Map<string, string>();
  for (const [mac, sensor] of Object.entries(options.apSensors ?? {})) {
    const n = normaliseMac(mac);
    if (n) apSensors.set(n, sensor);
  }
  for (const ap of Array.isArray(data['reportingAps']) ? data['reportingAps'] : []) {
    if (!isObj(ap) || typeof ap['mac'] !== 'string') continue;
    const mac = normaliseMac(ap['mac']);
    if (!mac) continue;
    const entry: MerakiAp = { mac };
    if (typeof ap['lat'] === 'number') entry.lat = ap['lat'];
    if (typeof ap['lng'] === 'number') entry.lng = ap['lng'];
    if (typeof ap['floorPlan'] === 'string') entry.floorPlan = ap['floorPlan'];
    else if (isObj(ap['floorPlan']) && typeof ap['floorPlan']['name'] === 'string') {
      entry.floorPlan = ap['floorPlan']['name'];
    }
    out.aps.push(entry);
  }
  const kind = type === 'WiFi' ? 'wifi' : 'ble';
  data['observations'].forEach((client: unknown, i) => {
    const path = `data.observations[${i}]`;
    const problem = addClient(client, path, kind, apSensors, out.observations);
    if (problem) out.rejections.push({ reason: 'bad_client', detail: problem });
  });
  return out;
}

function addClient(
  client: unknown,
  path: string,
  kind: 'wifi' | 'ble',
  apSensors: ReadonlyMap<string, string>,
  into: DriverObservation[],
): string | undefined {
  if (!isObj(client)) return `${path}: must be an object (got ${describeValue(client)})`;
  const raw = client['clientMac'];
  const mac = typeof raw === 'string' ? normaliseMac(raw) : null;
  if (!mac) {
    return `${path}.clientMac: must be a MAC address (got ${typeof raw === 'string' ? `a ${raw.length}-character string` : describeValue(raw)})`;
  }
  const make = (at: number, rssi: number, apMac: string | null): DriverObservation => {
    const sensorId = apMac ? apSensors.get(apMac) : undefined;
    const base = kind === 'wifi' ? { kind, at, rssi, mac } : { kind, at, rssi, address: mac };
    return sensorId ? { ...base, sensorId } : base;
  };
  const found: DriverObservation[] = [];
  const locations = Array.isArray(client['locations']) ? client['locations'] : [];
  for (const [li, location] of locations.entries()) {
    if (!isObj(location) || !Array.isArray(location['rssiRecords'])) continue;
    const at = parseTime(location['time']);
    if (at === undefined) {
      return `${path}.locations[${li}].time: must be an ISO time (got ${describeValue(location['time'])})`;
    }
    for (const [ri, record] of location['rssiRecords'].entries()) {
      const rssi = isObj(record) ? Number(record['rssi']) : Number.NaN;
      if (!isValidRssi(rssi)) {
        return `${path}.locations[${li}].rssiRecords[${ri}].rssi: must be dBm in [-127, 20]`;
      }
      const ap =
        isObj(record) && typeof record['apMac'] === 'string' ? normaliseMac(record['apMac']) : null;
      found.push(make(at, rssi, ap));
    }
  }
  if (found.length === 0) {
    const latest = client['latestRecord'];
    if (!isObj(latest)) {
      return `${path}.latestRecord: must be an object (got ${describeValue(latest)})`;
    }
    const at = parseTime(latest['time']);
    if (at === undefined) {
      return `${path}.latestRecord.time: must be an ISO time (got ${describeValue(latest['time'])})`;
    }
    const rssi = Number(latest['nearestApRssi']);
    if (!isValidRssi(rssi)) {
      return `${path}.latestRecord.nearestApRssi: must be dBm in [-127, 20] (got ${describeValue(latest['nearestApRssi'])})`;
    }
    const ap =
      typeof latest['nearestApMac'] === 'string' ? normaliseMac(latest['nearestApMac']) : null;
    found.push(make(at, rssi, ap));
  }
  into.push(...found);
  return undefined;
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
