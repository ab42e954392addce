import {
  boundingBox,
  distance,
  formatMac,
  pointInPolygon,
  type Box,
  type CameraObservation,
  type Observation,
  type Point,
} from '@aisle/sdk';
import { demoStoreLayout } from './demo-store.layout.js';
import { Prng } from './prng.js';
import type {
  ReferenceBeaconLayout,
  SensorLayout,
  StoreLayout,
  ZoneLayout,
} from './store-layout.js';

/** Internal time step: 0.1 s moves a walker ~10 cm, finer than anything the model resolves. */
const TICK_MS = 100;
/** Shoppers arriving per minute (Poisson): a small city-centre store, ~120 visits an hour. */
const DEFAULT_ARRIVALS_PER_MINUTE = 2;
/** Passers-by per minute on the pavement (Poisson): three times the shoppers, most walk on. */
const DEFAULT_PASSERS_BY_PER_MINUTE = 6;
/** Shadowing noise of a single RSSI reading, dB: 4 dB is typical indoors with people around. */
const DEFAULT_SIGMA_DB = 4;
/** Share of people carrying a phone with Wi-Fi on. */
const DEFAULT_PHONE_SHARE = 0.85;
/** Share of those phones that also BLE-advertise (wearables, find-my, exposure-style beacons). */
const DEFAULT_BLE_SHARE = 0.35;
/** Weakest signal a sensor reports, dBm: the sensitivity floor of common 2.4 GHz radios. */
const DEFAULT_SENSITIVITY_DBM = -95;
/** Camera counting interval: 10 s, what people counters typically report at. */
const DEFAULT_CAMERA_INTERVAL_MS = 10_000;
/** Share of line crossings a camera counter misses (occlusion, groups): ~3 % for good units. */
const DEFAULT_CAMERA_MISS_RATE = 0.03;
/** Phones are carried at about hand/pocket height. */
const PHONE_HEIGHT_M = 1.2;
/** Per-phone transmit-power spread around the sensor's calibration, ±dB (uniform). */
const PHONE_POWER_SPREAD_DB = 4;
/** BLE advertising from a phone arrives this much weaker than its Wi-Fi probes (~−59 vs ~−45 dBm at 1 m). */
const BLE_POWER_OFFSET_DB = -14;
/** Pause between a phone's probe-request bursts, ms (phones probe every ~20–60 s when idle). */
const PROBE_INTERVAL_MS: readonly [number, number] = [20_000, 60_000];
/** Frames per burst on the sniffed channel (retries of one probe request). */
const PROBE_FRAMES: readonly [number, number] = [1, 3];
/** Gap between frames of one burst, ms. */
const PROBE_FRAME_SPACING_MS = 10;
/** Channels phones probe on in 2.4 GHz. */
const PROBE_CHANNELS = [1, 6, 11] as const;
/** A sniffer catches this share of frames on air (collisions, busy radio). */
const FRAME_CAPTURE_PROBABILITY = 0.9;
/** Randomised MACs and BLE private addresses rotate every ~15 min (12–18 min, uniform). */
const ADDRESS_ROTATION_MS: readonly [number, number] = [12 * 60_000, 18 * 60_000];
/** BLE advertising interval of a phone, ms (~1 s, jittered). */
const BLE_ADVERT_INTERVAL_MS: readonly [number, number] = [900, 1_100];
/** 802.11 sequence numbers are 12 bits. */
const MAX_SEQ = 4095;
/** Shoppers walk at ~1 m/s (normal, sd 0.15, clamped to 0.6–1.5). */
const SHOPPER_SPEED: { mean: number; sd: number; min: number; max: number } = {
  mean: 1.0,
  sd: 0.15,
  min: 0.6,
  max: 1.5,
};
/** Passers-by walk faster, 1.1–1.6 m/s. */
const PASSER_BY_SPEED: readonly [number, number] = [1.1, 1.6];
/** Share of passers-by who stop at the shop window for a moment. */
const WINDOW_SHOPPER_SHARE = 0.15;
/** How long they look, ms. */
const WINDOW_DWELL_MS: readonly [number, number] = [5_000, 20_000];
/** Places a shopper visits between entrance and checkout. */
const SHOPPER_STOPS: readonly [number, number] = [2, 5];
/** Dwell at each stop, ms. */
const STOP_DWELL_MS: readonly [number, number] = [10_000, 90_000];
/** Dwell at the checkout (queue and pay), ms. */
const CHECKOUT_DWELL_MS: readonly [number, number] = [30_000, 120_000];
/** Reference beacons advertise once a second (the iBeacon default and what calibration wants). */
const REFERENCE_ADVERT_MS = 1_000;
/** Mixed into the seed for the reference beacons' own noise, so they never shift the shoppers'. */
const REFERENCE_SEED_SALT = 0x5eed_bea0;
/** Waypoints keep this far from zone edges, metres. */
const ZONE_MARGIN_M = 0.5;

export interface StoreSimulatorOptions {
  /** Same seed (and options), same output. */
  seed: number;
  /** Epoch ms of the simulation's start. */
  startAt: number;
  /** Default: {@link demoStoreLayout}. Needs `storefront`, `entrance` and `checkout` zones. */
  layout?: StoreLayout;
  arrivalsPerMinute?: number;
  passersByPerMinute?: number;
  /** Standard deviation of the RSSI noise, dB. */
  sigmaDb?: number;
  /** Probability that a person carries a phone with Wi-Fi on. */
  phoneShare?: number;
  /** Probability that such a phone also BLE-advertises. */
  bleShare?: number;
  sensitivityDbm?: number;
  cameraIntervalMs?: number;
  cameraMissRate?: number;
  /**
   * The store's reference beacons: each advertises once a second, heard by every BLE sensor
   * (`beaconId`, RSSI from the same path-loss model with the beacon's own measured power). Their
   * noise comes from a generator of their own, so adding them changes nothing else.
   */
  referenceBeacons?: readonly ReferenceBeaconLayout[];
}

export type PersonRole = 'shopper' | 'passer-by';

/** One person as the simulator knows them: the truth that observations are generated from. */
export interface PersonTruth {
  personId: string;
  role: PersonRole;
  x: number;
  y: number;
  /** First zone (in layout order) containing the position, or null. */
  zoneId: string | null;
  /** Past the facade, in the store. */
  inside: boolean;
  /**
   * The phone's transmit-power offsets, dB: the RSSI a sensor `s` expects at distance d (metres, 3-D)
   * is `s.calibration.measuredPower + offset − 10·s.calibration.pathLossExponent·log10(d)`.
   */
  phone: { wifiOffsetDb: number; bleOffsetDb: number | null } | null;
  /** Every Wi-Fi MAC the phone used so far, `aa:bb:…`, oldest first (the last is current). */
  macs: string[];
  /** Every BLE private address the phone used so far, oldest first. */
  bleAddresses: string[];
}

export interface GroundTruth {
  /** Epoch ms (positions are those of the last internal 100 ms tick at or before it). */
  at: number;
  people: PersonTruth[];
  /** People inside the store. */
  occupancy: number;
  /** True crossings of the entrance line during the step (before any camera miss). */
  entries: number;
  exits: number;
}

export interface SimulatorOutput {
  /** What the sensors reported during the step, in time order. */
  observations: Observation[];
  groundTruth: GroundTruth;
}

interface Waypoint {
  point: Point;
  dwellMs: number;
}

interface Phone {
  wifiOffsetDb: number;
  bleOffsetDb: number | null;
  macs: string[];
  bleAddresses: string[];
  seq: number;
  nextProbeAt: number;
  nextMacRotationAt: number;
  nextAdvertAt: number;
  nextBleRotationAt: number;
}

interface Person {
  id: string;
  role: PersonRole;
  position: Point;
  speed: number;
  route: Waypoint[];
  dwellUntil: number;
  inside: boolean;
  phone: Phone | null;
}

interface CameraState {
  sensor: SensorLayout;
  entries: number;
  exits: number;
}

/** Geometry the simulator derives from a layout's tagged zones. */
interface Site {
  layout: StoreLayout;
  /** The pavement strip; the facade is its upper edge. */
  pavement: Box;
  facadeY: number;
  /** Door opening along the facade. */
  door: { minX: number; maxX: number };
  entranceId: string;
  checkouts: ZoneLayout[];
  /** Zones shoppers browse. */
  browse: ZoneLayout[];
  radios: SensorLayout[];
  cameras: SensorLayout[];
}

/**
 * A seedable simulation of a store's sensors, from ground truth: shoppers arrive (Poisson), walk
 * entrance → a few stops with dwell → checkout → out; passers-by walk along the pavement; phones
 * send Wi-Fi probe bursts (and some BLE adverts) with rotating randomised addresses; each sensor
 * reports RSSI from a log-distance model with Gaussian noise; a camera counts door crossings.
 * Deterministic: same seed and options, same output, however `step` is sliced into calls.
 */
export class StoreSimulator {
  readonly layout: StoreLayout;
  private readonly rng: Prng;
  private readonly site: Site;
  private readonly options: Required<
    Omit<StoreSimulatorOptions, 'layout' | 'seed' | 'startAt' | 'referenceBeacons'>
  >;
  private readonly beacons: readonly ReferenceBeaconLayout[];
  private readonly beaconRng: Prng;
  private nextBeaconAt: number;
  private readonly people: Person[] = [];
  private readonly cameras: CameraState[];
  private now: number;
  private nextTickAt: number;
  private nextShopperAt: number;
  private nextPasserByAt: number;
  private cameraIntervalStart: number;
  private personCount = 0;

  constructor(options: StoreSimulatorOptions) {
    this.layout = options.layout ?? demoStoreLayout();
    this.site = deriveSite(this.layout);
    this.options = {
      arrivalsPerMinute: options.arrivalsPerMinute ?? DEFAULT_ARRIVALS_PER_MINUTE,
      passersByPerMinute: options.passersByPerMinute ?? DEFAULT_PASSERS_BY_PER_MINUTE,
      sigmaDb: options.sigmaDb ?? DEFAULT_SIGMA_DB,
      phoneShare: options.phoneShare ?? DEFAULT_PHONE_SHARE,
      bleShare: options.bleShare ?? DEFAULT_BLE_SHARE,
      sensitivityDbm: options.sensitivityDbm ?? DEFAULT_SENSITIVITY_DBM,
      cameraIntervalMs: options.cameraIntervalMs ?? DEFAULT_CAMERA_INTERVAL_MS,
      cameraMissRate: options.cameraMissRate ?? DEFAULT_CAMERA_MISS_RATE,
    };
    checkOptions(this.options);
    this.rng = new Prng(options.seed);
    this.beacons = [...(options.referenceBeacons ?? [])];
    this.beaconRng = new Prng(options.seed ^ REFERENCE_SEED_SALT);
    this.nextBeaconAt = options.startAt + REFERENCE_ADVERT_MS;
    this.now = options.startAt;
    this.nextTickAt = options.startAt + TICK_MS;
    this.cameraIntervalStart = options.startAt;
    this.cameras = this.site.cameras.map((sensor) => ({ sensor, entries: 0, exits: 0 }));
    this.nextShopperAt = this.nextArrival(options.startAt, this.options.arrivalsPerMinute);
    this.nextPasserByAt = this.nextArrival(options.startAt, this.options.passersByPerMinute);
  }

  /** Epoch ms the simulation has reached. */
  get time(): number {
    return this.now;
  }

  /** Advances the simulation by `dtMs` and returns what happened meanwhile. */
  step(dtMs: number): SimulatorOutput {
    if (!Number.isFinite(dtMs) || dtMs < 0) {
      throw new RangeError(`step(dtMs): dtMs must be a finite number ≥ 0 (got ${dtMs})`);
    }
    const target = this.now + dtMs;
    const observations: Observation[] = [];
    const crossings = { entries: 0, exits: 0 };
    while (this.nextTickAt <= target) {
      this.tick(this.nextTickAt, { observations, crossings });
      this.nextTickAt += TICK_MS;
    }
    this.now = target;
    observations.sort((a, b) => a.at - b.at);
    return { observations, groundTruth: this.truth(crossings) };
  }

  private tick(
    t: number,
    sink: { observations: Observation[]; crossings: { entries: number; exits: number } },
  ): void {
    const { observations: out, crossings } = sink;
    while (this.nextShopperAt <= t) {
      this.people.push(this.spawnShopper(this.nextShopperAt));
      this.nextShopperAt = this.nextArrival(this.nextShopperAt, this.options.arrivalsPerMinute);
    }
    while (this.nextPasserByAt <= t) {
      this.people.push(this.spawnPasserBy(this.nextPasserByAt));
      this.nextPasserByAt = this.nextArrival(this.nextPasserByAt, this.options.passersByPerMinute);
    }
    for (let i = 0; i < this.people.length;) {
      const person = this.people[i] as Person;
      if (this.move(person, t)) {
        this.people.splice(i, 1); // left the floor plan: neither seen nor counted any more
        continue;
      }
      const inside = person.position.y > this.site.facadeY;
      if (inside !== person.inside) {
        person.inside = inside;
        if (inside) crossings.entries += 1;
        else crossings.exits += 1;
        this.countCrossing(inside);
      }
      if (person.phone) this.radiate({ person, phone: person.phone, t, out });
      i += 1;
    }
    if (this.beacons.length > 0 && t >= this.nextBeaconAt) {
      this.nextBeaconAt += REFERENCE_ADVERT_MS;
      for (const beacon of this.beacons) this.advertiseBeacon(beacon, t, out);
    }
    if (t - this.cameraIntervalStart >= this.options.cameraIntervalMs) {
      for (const camera of this.cameras) {
        const report: CameraObservation = {
          storeId: this.layout.store.id,
          sensorId: camera.sensor.id,
          kind: 'camera',
          lineId: this.site.entranceId,
          entries: camera.entries,
          exits: camera.exits,
          intervalStart: this.cameraIntervalStart,
          at: t,
        };
        out.push(report);
        camera.entries = 0;
        camera.exits = 0;
      }
      this.cameraIntervalStart = t;
    }
  }

  /** One advertisement of a reference beacon, as every BLE sensor hears it. */
  private advertiseBeacon(beacon: ReferenceBeaconLayout, t: number, out: Observation[]): void {
    for (const sensor of this.site.radios) {
      if (!sensor.kinds.includes('ble')) continue;
      const d = Math.max(
        0.1,
        Math.hypot(beacon.x - sensor.x, beacon.y - sensor.y, sensor.z - beacon.z),
      );
      const mean = beacon.measuredPower - 10 * sensor.calibration.pathLossExponent * Math.log10(d);
      const rssi = Math.round(this.beaconRng.normal(mean, this.options.sigmaDb));
      if (rssi < this.options.sensitivityDbm) continue;
      out.push({
        storeId: this.layout.store.id,
        sensorId: sensor.id,
        kind: 'ble',
        beaconId: beacon.beaconId,
        rssi,
        at: t,
      });
    }
  }

  /** Moves one tick along the route; true when the route is finished (the person leaves). */
  private move(person: Person, t: number): boolean {
    if (person.dwellUntil > t) return false;
    const next = person.route[0];
    if (!next) return true;
    const stepM = (person.speed * TICK_MS) / 1000;
    const remaining = distance(person.position, next.point);
    if (remaining <= stepM) {
      person.position = { ...next.point };
      person.dwellUntil = t + next.dwellMs;
      person.route.shift();
      return person.route.length === 0 && next.dwellMs === 0;
    }
    const f = stepM / remaining;
    person.position = {
      x: person.position.x + (next.point.x - person.position.x) * f,
      y: person.position.y + (next.point.y - person.position.y) * f,
    };
    return false;
  }

  private countCrossing(entry: boolean): void {
    for (const camera of this.cameras) {
      if (this.rng.chance(this.options.cameraMissRate)) continue;
      if (entry) camera.entries += 1;
      else camera.exits += 1;
    }
  }

  /** Rotates addresses and sends whatever the phone sends at `t`. */
  private radiate({
    person,
    phone,
    t,
    out,
  }: {
    person: Person;
    phone: Phone;
    t: number;
    out: Observation[];
  }): void {
    if (t >= phone.nextMacRotationAt) {
      phone.macs.push(randomisedMac(this.rng));
      phone.seq = this.rng.int(0, MAX_SEQ);
      phone.nextMacRotationAt = t + this.rng.uniform(...ADDRESS_ROTATION_MS);
    }
    if (phone.bleOffsetDb !== null && t >= phone.nextBleRotationAt) {
      phone.bleAddresses.push(blePrivateAddress(this.rng));
      phone.nextBleRotationAt = t + this.rng.uniform(...ADDRESS_ROTATION_MS);
    }
    if (t >= phone.nextProbeAt) {
      const mac = phone.macs[phone.macs.length - 1] as string;
      const channel = this.rng.pick(PROBE_CHANNELS);
      const frames = this.rng.int(...PROBE_FRAMES);
      for (let k = 0; k < frames; k += 1) {
        const seq = phone.seq;
        phone.seq = (phone.seq + 1) % (MAX_SEQ + 1);
        const at = t - (frames - 1 - k) * PROBE_FRAME_SPACING_MS;
        for (const sensor of this.site.radios) {
          if (!sensor.kinds.includes('wifi')) continue;
          if (!this.rng.chance(FRAME_CAPTURE_PROBABILITY)) continue;
          const rssi = this.rssi({
            sensor,
            position: person.position,
            offsetDb: phone.wifiOffsetDb,
          });
          if (rssi === null) continue;
          out.push({
            storeId: this.layout.store.id,
            sensorId: sensor.id,
            kind: 'wifi',
            mac,
            rssi,
            at,
            channel,
            seq,
          });
        }
      }
      phone.nextProbeAt = t + this.rng.uniform(...PROBE_INTERVAL_MS);
    }
    if (phone.bleOffsetDb !== null && t >= phone.nextAdvertAt) {
      const address = phone.bleAddresses[phone.bleAddresses.length - 1] as string;
      for (const sensor of this.site.radios) {
        if (!sensor.kinds.includes('ble')) continue;
        const rssi = this.rssi({ sensor, position: person.position, offsetDb: phone.bleOffsetDb });
        if (rssi === null) continue;
        out.push({
          storeId: this.layout.store.id,
          sensorId: sensor.id,
          kind: 'ble',
          address,
          addressType: 'random',
          rssi,
          at: t,
        });
      }
      phone.nextAdvertAt = t + this.rng.uniform(...BLE_ADVERT_INTERVAL_MS);
    }
  }

  /** Log-distance model plus Gaussian noise, rounded to whole dBm; null below the sensitivity floor. */
  private rssi({
    sensor,
    position,
    offsetDb,
  }: {
    sensor: SensorLayout;
    position: Point;
    offsetDb: number;
  }): number | null {
    const d = Math.max(
      0.1,
      Math.hypot(position.x - sensor.x, position.y - sensor.y, sensor.z - PHONE_HEIGHT_M),
    );
    const mean =
      sensor.calibration.measuredPower +
      offsetDb -
      10 * sensor.calibration.pathLossExponent * Math.log10(d);
    const rssi = Math.round(this.rng.normal(mean, this.options.sigmaDb));
    return rssi >= this.options.sensitivityDbm ? rssi : null;
  }

  private spawnShopper(at: number): Person {
    const { site, rng } = this;
    const fromLeft = rng.chance(0.5);
    const pavementY = (site.pavement.minY + site.facadeY) / 2;
    const start = { x: fromLeft ? site.pavement.minX : site.pavement.maxX, y: pavementY };
    const route: Waypoint[] = [];
    const doorIn = this.doorX();
    route.push({ point: { x: doorIn, y: pavementY }, dwellMs: 0 });
    route.push({ point: { x: doorIn, y: site.facadeY + 1 }, dwellMs: 0 });
    const stops = rng.int(...SHOPPER_STOPS);
    for (let i = 0; i < stops; i += 1) {
      route.push({
        point: this.pointIn(rng.pick(site.browse)),
        dwellMs: rng.uniform(...STOP_DWELL_MS),
      });
    }
    route.push({
      point: this.pointIn(rng.pick(site.checkouts)),
      dwellMs: rng.uniform(...CHECKOUT_DWELL_MS),
    });
    const doorOut = this.doorX();
    route.push({ point: { x: doorOut, y: site.facadeY + 1 }, dwellMs: 0 });
    route.push({ point: { x: doorOut, y: pavementY }, dwellMs: 0 });
    route.push({
      point: { x: rng.chance(0.5) ? site.pavement.minX : site.pavement.maxX, y: pavementY },
      dwellMs: 0,
    });
    const speed = Math.min(
      SHOPPER_SPEED.max,
      Math.max(SHOPPER_SPEED.min, rng.normal(SHOPPER_SPEED.mean, SHOPPER_SPEED.sd)),
    );
    return this.person({ role: 'shopper', start, route, speed, at });
  }

  private spawnPasserBy(at: number): Person {
    const { site, rng } = this;
    const fromLeft = rng.chance(0.5);
    const y = rng.uniform(site.pavement.minY + 0.3, site.facadeY - 0.3);
    const start = { x: fromLeft ? site.pavement.minX : site.pavement.maxX, y };
    const end = { x: fromLeft ? site.pavement.maxX : site.pavement.minX, y };
    const route: Waypoint[] = [];
    if (rng.chance(WINDOW_SHOPPER_SHARE)) {
      route.push({
        point: { x: rng.uniform(site.pavement.minX + 2, site.pavement.maxX - 2), y },
        dwellMs: rng.uniform(...WINDOW_DWELL_MS),
      });
    }
    route.push({ point: end, dwellMs: 0 });
    const speed = rng.uniform(...PASSER_BY_SPEED);
    return this.person({ role: 'passer-by', start, route, speed, at });
  }

  private person(params: {
    role: PersonRole;
    start: Point;
    route: Waypoint[];
    speed: number;
    at: number;
  }): Person {
    const { rng } = this;
    this.personCount += 1;
    let phone: Phone | null = null;
    if (rng.chance(this.options.phoneShare)) {
      const ble = rng.chance(this.options.bleShare);
      // The phone's current address has been in use for a random part of its lifetime already.
      phone = {
        wifiOffsetDb: rng.uniform(-PHONE_POWER_SPREAD_DB, PHONE_POWER_SPREAD_DB),
        bleOffsetDb: ble
          ? BLE_POWER_OFFSET_DB + rng.uniform(-PHONE_POWER_SPREAD_DB, PHONE_POWER_SPREAD_DB)
          : null,
        macs: [randomisedMac(rng)],
        bleAddresses: ble ? [blePrivateAddress(rng)] : [],
        seq: rng.int(0, MAX_SEQ),
        nextProbeAt: params.at + rng.uniform(0, PROBE_INTERVAL_MS[1]),
        nextMacRotationAt: params.at + rng.uniform(0, ADDRESS_ROTATION_MS[1]),
        nextAdvertAt: params.at + rng.uniform(0, BLE_ADVERT_INTERVAL_MS[1]),
        nextBleRotationAt: params.at + rng.uniform(0, ADDRESS_ROTATION_MS[1]),
      };
    }
    return {
      id: `p${this.personCount}`,
      role: params.role,
      position: { ...params.start },
      speed: params.speed,
      route: params.route,
      dwellUntil: params.at,
      inside: params.start.y > this.site.facadeY,
      phone,
    };
  }

  private doorX(): number {
    const { door } = this.site;
    const margin = Math.min(0.5, (door.maxX - door.minX) / 4);
    return this.rng.uniform(door.minX + margin, door.maxX - margin);
  }

  /** A random point in the zone, at least {@link ZONE_MARGIN_M} from its bounding box's edges. */
  private pointIn(zone: ZoneLayout): Point {
    const box = boundingBox(zone.polygon);
    const margin = Math.min(ZONE_MARGIN_M, (box.maxX - box.minX) / 4, (box.maxY - box.minY) / 4);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const point = {
        x: this.rng.uniform(box.minX + margin, box.maxX - margin),
        y: this.rng.uniform(Math.max(box.minY, this.site.facadeY) + margin, box.maxY - margin),
      };
      if (pointInPolygon(point, zone.polygon)) return point;
    }
    return { x: (box.minX + box.maxX) / 2, y: (box.minY + box.maxY) / 2 };
  }

  private nextArrival(from: number, perMinute: number): number {
    return perMinute > 0 ? from + this.rng.exponential(perMinute / 60_000) : Infinity;
  }

  private truth(crossings: { entries: number; exits: number }): GroundTruth {
    const people = this.people.map((p): PersonTruth => ({
      personId: p.id,
      role: p.role,
      x: round(p.position.x),
      y: round(p.position.y),
      zoneId: this.zoneAt(p.position),
      inside: p.inside,
      phone: p.phone
        ? { wifiOffsetDb: p.phone.wifiOffsetDb, bleOffsetDb: p.phone.bleOffsetDb }
        : null,
      macs: [...(p.phone?.macs ?? [])],
      bleAddresses: [...(p.phone?.bleAddresses ?? [])],
    }));
    return {
      at: this.now,
      people,
      occupancy: people.filter((p) => p.inside).length,
      entries: crossings.entries,
      exits: crossings.exits,
    };
  }

  private zoneAt(point: Point): string | null {
    for (const zone of this.layout.zones) if (pointInPolygon(point, zone.polygon)) return zone.id;
    return null;
  }
}

/**
 * A randomised Wi-Fi MAC as phones use for probing: locally administered (bit 0x02 of the first
 * octet set) and unicast (bit 0x01 clear).
 */
function randomisedMac(rng: Prng): string {
  const bytes = rng.bytes(6);
  bytes[0] = ((bytes[0] as number) & 0xfc) | 0x02;
  return formatMac(bytes.map((b) => b.toString(16).padStart(2, '0')).join(''));
}

/** A BLE resolvable private address: the two most significant bits are 0b01. */
function blePrivateAddress(rng: Prng): string {
  const bytes = rng.bytes(6);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x40;
  return formatMac(bytes.map((b) => b.toString(16).padStart(2, '0')).join(''));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function checkOptions(
  options: Required<
    Omit<StoreSimulatorOptions, 'layout' | 'seed' | 'startAt' | 'referenceBeacons'>
  >,
): void {
  const problems: string[] = [];
  const inRange = (name: keyof typeof options, [min, max]: [number, number]): void => {
    const value = options[name];
    if (!Number.isFinite(value) || value < min || value > max) {
      problems.push(`${name} must be from ${min} to ${max} (got ${value})`);
    }
  };
  inRange('arrivalsPerMinute', [0, 1_000]);
  inRange('passersByPerMinute', [0, 1_000]);
  inRange('sigmaDb', [0, 30]);
  inRange('phoneShare', [0, 1]);
  inRange('bleShare', [0, 1]);
  inRange('sensitivityDbm', [-127, 0]);
  inRange('cameraIntervalMs', [TICK_MS, 3_600_000]);
  inRange('cameraMissRate', [0, 1]);
  if (problems.length > 0) throw new RangeError(`StoreSimulator: ${problems.join('; ')}`);
}

/** Finds the pavement, facade, door, checkout and browsing zones from the layout's zone tags. */
function deriveSite(layout: StoreLayout): Site {
  const problems: string[] = [];
  const tagged = (tag: string): ZoneLayout[] => layout.zones.filter((z) => z.tags.includes(tag));
  const storefront = tagged('storefront')[0];
  const entrance = tagged('entrance')[0];
  const checkouts = tagged('checkout');
  if (!storefront) problems.push('a zone tagged "storefront" (the pavement outside) is required');
  if (!entrance) problems.push('a zone tagged "entrance" (inside the door) is required');
  if (checkouts.length === 0) problems.push('a zone tagged "checkout" is required');
  if (!storefront || !entrance || problems.length > 0) {
    throw new Error(`simulator layout "${layout.store.id}": ${problems.join('; ')}`);
  }
  const pavement = boundingBox(storefront.polygon);
  const entranceBox = boundingBox(entrance.polygon);
  const facadeY = pavement.maxY;
  const door = {
    minX: Math.max(entranceBox.minX, pavement.minX),
    maxX: Math.min(entranceBox.maxX, pavement.maxX),
  };
  if (Math.abs(entranceBox.minY - facadeY) > 1e-6 || door.maxX - door.minX < 0.5) {
    throw new Error(
      `simulator layout "${layout.store.id}": the entrance zone must start at the upper edge of the storefront zone (y = ${facadeY}) and overlap it by at least 0.5 m along x`,
    );
  }
  const outside = new Set(['storefront', 'outside', 'entrance', 'checkout']);
  const browse = layout.zones.filter(
    (z) => !z.tags.some((t) => outside.has(t)) && boundingBox(z.polygon).maxY > facadeY + 1,
  );
  return {
    layout,
    pavement,
    facadeY,
    door,
    entranceId: entrance.id,
    checkouts,
    browse: browse.length > 0 ? browse : [entrance],
    radios: layout.sensors.filter((s) => s.kinds.includes('wifi') || s.kinds.includes('ble')),
    cameras: layout.sensors.filter((s) => s.kinds.includes('camera')),
  };
}
