// BLE decoding throughput on one core: BlueZ advertisements (iBeacon, Eddystone, phones' Apple
// data) and ESPresense / Theengs JSON messages through the ble-beacon plugin's parsers. A busy
// store hears ~10,000 advertisements/s across its sensors (ARCHITECTURE.md, "Scale").
import {
  decodeAdvertisement,
  parseEspresenseMessage,
  parseHex,
  parseTheengsMessage,
} from '@aisle/plugin-ble-beacon';
import type { BleAdvertisement } from '@aisle/sdk';

const COUNT = 200_000;
const RUNS = 5;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function measure(run: (i: number) => unknown): number {
  for (let i = 0; i < COUNT / 4; i += 1) run(i); // warm-up
  const timings: number[] = [];
  for (let r = 0; r < RUNS; r += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < COUNT; i += 1) run(i);
    timings.push(Number(process.hrtime.bigint() - started));
  }
  return Math.round((COUNT * 1e9) / median(timings));
}

export default async function bench(): Promise<object> {
  const ibeacon = parseHex('0215426c7565436861726d426561636f6e730efe1355c5')!;
  const uid = parseHex('00e200112233445566778899aabbccddeeff')!;
  const apple = parseHex('1005031c6f1e2b')!;
  const ads: BleAdvertisement[] = Array.from({ length: 64 }, (_, i) => ({
    address: `5a:0b:1c:2d:3e:${(i % 256).toString(16).padStart(2, '0')}`,
    rssi: -60 - (i % 30),
    manufacturerData: new Map(
      i % 3 === 0 ? [[0x004c, ibeacon]] : i % 3 === 1 ? [[0x004c, apple]] : [],
    ),
    serviceData: new Map(i % 3 === 2 ? [['0000feaa-0000-1000-8000-00805f9b34fb', uid]] : []),
    at: 1_767_254_400_000 + i,
  }));
  const espresense = Buffer.from(
    JSON.stringify({
      id: 'iBeacon:426c7565-4368-6172-6d42-6561636f6e73-3838-4949',
      mac: 'dd8800003777',
      rssi: -81.1,
      'rssi@1m': -59,
      distance: 6.58,
    }),
  );
  const theengs = Buffer.from(
    JSON.stringify({
      id: 'DD:88:00:00:37:77',
      rssi: -80,
      manufacturerdata: '4c000215426c7565436861726d426561636f6e730efe1355c5',
    }),
  );
  let emitted = 0;
  const advertisementsPerSecond = measure((i) => {
    if (decodeAdvertisement(ads[i % ads.length]!).observation) emitted += 1;
  });
  const espresensePerSecond = measure(() => parseEspresenseMessage(espresense, 0));
  const theengsRawPerSecond = measure(() => parseTheengsMessage(theengs, 0));
  return {
    advertisementsPerSecond,
    espresensePerSecond,
    theengsRawPerSecond,
    count: COUNT,
    runs: RUNS,
    emitted,
  };
}
