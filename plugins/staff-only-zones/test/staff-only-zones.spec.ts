import {
  validatePlain,
  type AisleEvent,
  type PolicyContext,
  type PositionUpdate,
} from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import plugin, { OpeningHours, STAFF_ONLY, StaffOnlyZonesConfig } from '../src/index.js';

// Monday 2 March 2026; Europe/Paris is UTC+1 in March.
const MON_10_PARIS = Date.UTC(2026, 2, 2, 9, 0, 0);
const MON_22_PARIS = Date.UTC(2026, 2, 2, 21, 0, 0);

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function create(config: object = {}) {
  const { value, errors } = validatePlain(StaffOnlyZonesConfig, {
    openingHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' }],
    ...config,
  });
  expect(errors).toEqual([]);
  const ctx: PolicyContext<StaffOnlyZonesConfig> = {
    storeId: 's1',
    config: value,
    zones: [
      { id: 'stock', tags: ['staff-only'] },
      { id: 'floor', tags: ['promo'] },
    ],
    timezone: 'Europe/Paris',
    logger: silent,
    clock: new FakeClock(MON_10_PARIS),
  };
  return plugin.createPolicy(ctx);
}

const position = (zoneId: string | null, at: number): PositionUpdate => ({
  storeId: 's1',
  subject: 'ab'.repeat(16),
  period: at,
  kind: 'wifi',
  at,
  x: 1,
  y: 1,
  uncertainty: 1,
  zoneId,
  method: 'multilateration',
  sensorCount: 3,
});

describe('staff-only-zones', () => {
  it('is a policy plugin with a config class', () => {
    expect(plugin.kind).toBe('policy');
    expect(plugin.configSchema).toBe(StaffOnlyZonesConfig);
  });

  it('drops positions in staff-only zones during opening hours, in the store time zone', async () => {
    const sut = await create();
    expect(sut.position?.(position('stock', MON_10_PARIS))).toEqual({
      accept: false,
      reason: STAFF_ONLY,
    });
    expect(sut.position?.(position('floor', MON_10_PARIS))).toEqual({ accept: true });
    expect(sut.position?.(position(null, MON_10_PARIS))).toEqual({ accept: true });
    expect(sut.position?.(position('stock', MON_22_PARIS))).toEqual({ accept: true });
  });

  it('drops camera counts of staff-only zones at the gate, lets radio observations through', async () => {
    const sut = await create();
    const camera = { storeId: 's1', sensorId: 'c1', at: MON_10_PARIS, kind: 'camera' as const };
    expect(sut.gate?.({ ...camera, zoneId: 'stock', occupancy: 2 })).toEqual({
      accept: false,
      reason: STAFF_ONLY,
    });
    expect(sut.gate?.({ ...camera, zoneId: 'floor', occupancy: 2 })).toEqual({ accept: true });
    expect(
      sut.gate?.({
        storeId: 's1',
        sensorId: 'n1',
        at: MON_10_PARIS,
        kind: 'wifi',
        mac: '3c22fb123456',
        rssi: -60,
      }),
    ).toEqual({ accept: true });
  });

  it('suppresses zone events about staff-only zones', async () => {
    const sut = await create();
    const event: AisleEvent<'zone.entered'> = {
      id: 'evt_1',
      type: 'zone.entered',
      storeId: 's1',
      at: MON_10_PARIS,
      data: { subject: 'ab'.repeat(16), visitId: 'v1', zoneId: 'stock', enteredAt: MON_10_PARIS },
    };
    expect(sut.event?.(event)).toEqual({ accept: false, reason: STAFF_ONLY });
    expect(sut.event?.({ ...event, data: { ...event.data, zoneId: 'floor' } })).toEqual({
      accept: true,
    });
  });

  it('uses another tag when told, and is inert when no zone carries it', async () => {
    const sut = await create({ tag: 'back-office' });
    expect(sut).toEqual({});
  });

  it('treats no opening hours as always open', () => {
    expect(new OpeningHours([], 'UTC').isOpen(MON_22_PARIS)).toBe(true);
  });

  it('refuses a bad configuration, naming each field', () => {
    const { errors } = validatePlain(StaffOnlyZonesConfig, {
      tag: 'Staff Only',
      openingHours: [
        { days: ['monday'], from: '9am', to: '20:00' },
        { days: ['sat'], from: '20:00', to: '08:00' },
      ],
      extra: true,
    });
    expect(errors.map((e) => e.field).sort()).toEqual(
      ['extra', 'openingHours[0].days', 'openingHours[0].from', 'openingHours[1].to', 'tag'].sort(),
    );
  });
});
