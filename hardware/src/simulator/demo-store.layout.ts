import { rectangle } from '@aisle/sdk';
import type { ReferenceBeaconLayout, SensorLayout, StoreLayout } from './store-layout.js';

/**
 * Expected RSSI of a typical phone's Wi-Fi probe 1 m from a ceiling sniffer, dBm: the middle of the
 * −40…−50 dBm that phones measure at 1 m. The simulator's phones vary ±4 dB around it.
 */
const DEMO_MEASURED_POWER_DBM = -45;
/** Log-distance exponent for an open sales floor with shelving (2 is free space, 3+ dense walls). */
const DEMO_PATH_LOSS_EXPONENT = 2.5;
/** Ceiling-mounted sensors: 2.5 m, the usual suspended-ceiling height of a small store. */
const SENSOR_HEIGHT_M = 2.5;

/**
 * The demo store's two reference beacons, on top of shelves in aisle 2 and by the checkout: two
 * positions every sensor hears, so the hub fits the path-loss exponent and every sensor's receiver
 * offset (`GET /api/stores/demo/calibration`). −55 dBm at 1 m (an iBeacon at +4 dBm transmit
 * power, the usual setting for fixtures): the farthest sensor (18 m) then hears them at −86 dBm on
 * average, clear of the −95 dBm floor, which would otherwise cut off the weak readings and bias
 * the fitted exponent low.
 */
export const DEMO_REFERENCE_BEACONS: readonly ReferenceBeaconLayout[] = [
  {
    beaconId: 'ibeacon:a15e0000-0000-4000-8000-00000000d3e0:1:1',
    x: 10,
    y: 10,
    z: 2,
    measuredPower: -55,
  },
  {
    beaconId: 'ibeacon:a15e0000-0000-4000-8000-00000000d3e0:1:2',
    x: 20,
    y: 8,
    z: 2,
    measuredPower: -55,
  },
];

function radio(id: string, x: number, y: number): SensorLayout {
  return {
    id,
    domain: 'aisle-mqtt',
    x,
    y,
    z: SENSOR_HEIGHT_M,
    kinds: ['wifi', 'ble'],
    config: {
      referenceBeacons: DEMO_REFERENCE_BEACONS.map(({ beaconId, x: bx, y: by, z: bz }) => ({
        beaconId,
        x: bx,
        y: by,
        z: bz,
      })),
    },
    calibration: {
      measuredPower: DEMO_MEASURED_POWER_DBM,
      pathLossExponent: DEMO_PATH_LOSS_EXPONENT,
    },
  };
}

/**
 * The demo store: 30 m × 20 m. The pavement in front of the shop window (y 0–2 m) is the
 * `storefront` zone, outside the store; the facade is the line y = 2 m with a 4 m door at
 * x 13–17 m, watched by a camera people counter. Inside: promotions, the entrance, the checkout
 * along the front; three aisles; fresh produce at the back; a pharmacy (tagged `sensitive`) on the
 * right. Seven Wi-Fi + BLE sensors on the ceiling, spread so every spot sees at least three.
 *
 * ```
 *  y=20 ┌──────────────── fresh ─────────────┬──── pharmacy ───┐
 *       │   r7                                │                 │
 *  y=17 ├─ aisle-1 ──┬─ aisle-2 ──┬─ aisle-3 ─┤        r6       │
 *       │   r4       │            │  r5       │                 │
 *  y=6  ├─ promo ────┴──┬entrance┬┴──── checkout ───────────────┤
 *       │ r1            │   r2   │                          r3  │
 *  y=2  └───────────────┴─ door ─┴──────────────────────────────┘  facade
 *  y=0    storefront (pavement, passers-by)
 *       x=0           x=13     x=17                           x=30
 * ```
 */
export function demoStoreLayout(): StoreLayout {
  return {
    store: {
      id: 'demo',
      name: 'Demo store (simulated)',
      timezone: 'Europe/Berlin',
      width: 30,
      height: 20,
      // Tracking needs a complete notice; the demo's is an example of what a store must publish.
      policy: {
        mode: 'in-visit',
        rotationHours: 24,
        // The simulated phones advertise BLE every second: two minutes without one means they left.
        // (The 5-minute default covers real phones idling between probes; here it would only
        // delay the first visits of `npm start` to ~8 minutes.)
        analytics: { visitGapSeconds: 120 },
        notice: {
          controllerName: 'Aisle Demo Retail (simulated)',
          purpose:
            'to count visitors, measure how long aisles are visited, and improve the store layout',
          signage: {
            text: 'This store counts visitors with Wi-Fi and Bluetooth sensors. No names, no cameras on faces. Opt out at /opt-out.',
            placement: 'on both sides of the entrance door, at eye level, before the first sensor',
          },
          noticeUrl: 'https://example.com/aisle-demo/privacy',
          optOutInstructions:
            'Submit your phone’s Wi-Fi or Bluetooth address at /opt-out, or ask at the checkout.',
          retentionStatement:
            'Device data is pseudonymous, re-keyed every day and deleted after 24 hours; only counts are kept longer.',
          dpiaReference: 'DEMO-DPIA-1',
        },
      },
    },
    zones: [
      {
        id: 'storefront',
        name: 'Pavement in front of the store',
        polygon: rectangle({ minX: 0, minY: 0, maxX: 30, maxY: 2 }),
        tags: ['storefront', 'outside'],
      },
      {
        id: 'entrance',
        name: 'Entrance',
        polygon: rectangle({ minX: 13, minY: 2, maxX: 17, maxY: 6 }),
        tags: ['entrance'],
      },
      {
        id: 'promo',
        name: 'Promotions',
        polygon: rectangle({ minX: 0, minY: 2, maxX: 13, maxY: 6 }),
        tags: ['promo'],
      },
      {
        id: 'checkout',
        name: 'Checkout',
        polygon: rectangle({ minX: 17, minY: 2, maxX: 30, maxY: 6 }),
        tags: ['checkout'],
      },
      {
        id: 'aisle-1',
        name: 'Aisle 1: drinks',
        polygon: rectangle({ minX: 0, minY: 6, maxX: 7, maxY: 17 }),
        tags: ['aisle'],
      },
      {
        id: 'aisle-2',
        name: 'Aisle 2: pantry',
        polygon: rectangle({ minX: 7, minY: 6, maxX: 14, maxY: 17 }),
        tags: ['aisle'],
      },
      {
        id: 'aisle-3',
        name: 'Aisle 3: household',
        polygon: rectangle({ minX: 14, minY: 6, maxX: 21, maxY: 17 }),
        tags: ['aisle'],
      },
      {
        id: 'fresh',
        name: 'Fresh produce',
        polygon: rectangle({ minX: 0, minY: 17, maxX: 21, maxY: 20 }),
        tags: ['aisle', 'fresh'],
      },
      {
        id: 'pharmacy',
        name: 'Pharmacy',
        polygon: rectangle({ minX: 21, minY: 6, maxX: 30, maxY: 20 }),
        tags: ['pharmacy', 'sensitive'],
      },
    ],
    sensors: [
      radio('radio-1', 3, 3.5),
      radio('radio-2', 15, 4),
      radio('radio-3', 27, 3.5),
      radio('radio-4', 4, 12),
      radio('radio-5', 17, 12),
      radio('radio-6', 26, 14),
      radio('radio-7', 9, 19),
      {
        id: 'cam-entrance',
        domain: 'aisle-mqtt',
        x: 15,
        y: 2.5,
        z: 3,
        kinds: ['camera'],
        calibration: {
          measuredPower: DEMO_MEASURED_POWER_DBM,
          pathLossExponent: DEMO_PATH_LOSS_EXPONENT,
        },
      },
    ],
  };
}
