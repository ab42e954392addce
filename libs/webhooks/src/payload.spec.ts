import { randomBytes } from 'node:crypto';
import type { AisleEvent } from '@aisle/sdk';
import {
  buildPayload,
  MAX_PAYLOAD_BYTES,
  suppressSmallCount,
  WebhookPayloadTooLargeError,
} from './payload.js';
import { payloadSchema, WEBHOOK_EVENT_TYPES } from './event-catalog.js';

const at = Date.UTC(2026, 0, 1, 9);

function zoneEntered(subject: string): AisleEvent<'zone.entered'> {
  return {
    id: 'evt_1',
    type: 'zone.entered',
    storeId: 'demo',
    at,
    data: { subject, visitId: 'v-1', zoneId: 'entrance', enteredAt: at },
  };
}

describe(buildPayload.name, () => {
  it('is thin and versioned: {type, version, timestamp, data} with the store id', () => {
    const sut = JSON.parse(
      buildPayload({ event: zoneEntered('s-1'), pseudonymKey: randomBytes(32), k: 5 }),
    );
    expect(Object.keys(sut)).toEqual(['type', 'version', 'timestamp', 'data']);
    expect(sut).toMatchObject({
      type: 'zone.entered',
      version: 1,
      timestamp: '2026-01-01T09:00:00.000Z',
      data: { storeId: 'demo', zoneId: 'entrance', enteredAt: '2026-01-01T09:00:00.000Z' },
    });
  });

  it('re-keys subjects per subscription: two subscribers cannot join on an id', () => {
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    const seen = (key: Buffer, subject: string) =>
      JSON.parse(buildPayload({ event: zoneEntered(subject), pseudonymKey: key, k: 5 })).data as {
        subject: string;
        visitId: string;
      };
    const a1 = seen(keyA, 'gate-pseudonym-1');
    const b1 = seen(keyB, 'gate-pseudonym-1');
    // Stable within one subscription (it can follow its own subject)…
    expect(seen(keyA, 'gate-pseudonym-1')).toEqual(a1);
    // …but no id in A's payload appears in B's, nor the gate's pseudonym in either.
    const idsA = [a1.subject, a1.visitId];
    const idsB = [b1.subject, b1.visitId];
    expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
    expect([...idsA, ...idsB]).not.toContain('gate-pseudonym-1');
    expect([...idsA, ...idsB]).not.toContain('v-1');
    expect(seen(keyA, 'gate-pseudonym-2').subject).not.toBe(a1.subject);
  });

  it('suppresses counts below k (and the medians of suppressed cells)', () => {
    const event: AisleEvent<'aggregate.hourly'> = {
      id: 'evt_2',
      type: 'aggregate.hourly',
      storeId: 'demo',
      at,
      data: {
        hourStart: at,
        footfallIn: 12,
        footfallOut: 4,
        visits: 3,
        passersBy: 5,
        medianDwellSeconds: 300,
        zones: [
          { zoneId: 'a', visits: 7, medianDwellSeconds: 60 },
          { zoneId: 'b', visits: 2, medianDwellSeconds: 90 },
        ],
      },
    };
    const sut = JSON.parse(buildPayload({ event, pseudonymKey: randomBytes(32), k: 5 })).data;
    expect(sut).toMatchObject({
      footfallIn: 12,
      footfallOut: null,
      visits: null,
      passersBy: 5,
      medianDwellSeconds: null,
      zones: [
        { zoneId: 'a', visits: 7, medianDwellSeconds: 60 },
        { zoneId: 'b', visits: null, medianDwellSeconds: null },
      ],
    });
    expect(suppressSmallCount(9, 10)).toBeNull();
    expect(suppressSmallCount(10, 10)).toBe(10);
  });

  it('refuses payloads over 20 KB', () => {
    const event: AisleEvent<'plugin.failed'> = {
      id: 'evt_3',
      type: 'plugin.failed',
      storeId: null,
      at,
      data: { domain: 'x', error: 'e'.repeat(MAX_PAYLOAD_BYTES) },
    };
    expect(() => buildPayload({ event, pseudonymKey: randomBytes(32), k: 5 })).toThrow(
      WebhookPayloadTooLargeError,
    );
  });

  it('documents a schema for every event type', () => {
    for (const type of WEBHOOK_EVENT_TYPES) {
      expect(payloadSchema(type)).toMatchObject({
        properties: { type: { enum: [type] }, data: { type: 'object' } },
      });
    }
  });
});
