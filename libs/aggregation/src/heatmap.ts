import { deflateSync } from 'node:zlib';
import type { RollupDetail } from './rollup.js';

export interface HeatmapGrid {
  cols: number;
  rows: number;
  cellM: number;
  /** Dwell seconds per cell, row-major from (0, 0); null where suppressed. */
  dwellSeconds: (number | null)[];
  /** Visits that spent time in each cell. */
  visits: number[];
}

/** Adds hourly heat rows into one grid; cells seen by fewer than `k` visits become null. */
export function heatmapGrid(params: {
  details: readonly RollupDetail[];
  fallback: { cols: number; rows: number; cellM: number };
  k?: number;
}): HeatmapGrid {
  const grid = params.details.find((d) => d.grid)?.grid ?? params.fallback;
  const n = grid.cols * grid.rows;
  const ms = new Array<number>(n).fill(0);
  const visits = new Array<number>(n).fill(0);
  for (const detail of params.details) {
    if (!detail.cells) continue;
    if (detail.grid && (detail.grid.cols !== grid.cols || detail.grid.rows !== grid.rows)) continue;
    for (const [key, [dwell, count]] of Object.entries(detail.cells)) {
      const i = Number(key);
      if (!(i >= 0 && i < n)) continue;
      ms[i] = (ms[i] ?? 0) + dwell;
      visits[i] = (visits[i] ?? 0) + count;
    }
  }
  const k = params.k ?? 0;
  return {
    cols: grid.cols,
    rows: grid.rows,
    cellM: grid.cellM,
    dwellSeconds: ms.map((v, i) => {
      const count = visits[i] ?? 0;
      return count > 0 && count < k ? null : Math.round(v / 100) / 10;
    }),
    visits: visits.map((count) => (count > 0 && count < k ? 0 : count)),
  };
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC), as PNG chunks use. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** Colour ramp for 0…1: dark blue → cyan → yellow → red. */
function ramp(t: number): [number, number, number] {
  const stops: [number, number, number, number][] = [
    [0, 20, 20, 60],
    [0.33, 0, 170, 220],
    [0.66, 250, 220, 40],
    [1, 220, 30, 30],
  ];
  for (let i = 1; i < stops.length; i += 1) {
    const [t1, r1, g1, b1] = stops[i] as [number, number, number, number];
    const [t0, r0, g0, b0] = stops[i - 1] as [number, number, number, number];
    if (t <= t1) {
      const f = (t - t0) / (t1 - t0);
      return [r0 + f * (r1 - r0), g0 + f * (g1 - g0), b0 + f * (b1 - b0)].map(Math.round) as [
        number,
        number,
        number,
      ];
    }
  }
  return [220, 30, 30];
}

/**
 * The grid as an RGB PNG (`scale` pixels per cell), y up as on the floor plan (row 0 at the bottom).
 * Suppressed and empty cells are grey/black. Encoded here with node:zlib: no image library needed.
 */
export function heatmapPng(grid: HeatmapGrid, scale = 10): Buffer {
  const width = grid.cols * scale;
  const height = grid.rows * scale;
  const max = Math.max(0, ...grid.dwellSeconds.map((v) => v ?? 0));
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let py = 0; py < height; py += 1) {
    const row = grid.rows - 1 - Math.floor(py / scale);
    const offset = py * (width * 3 + 1);
    raw[offset] = 0; // filter: none
    for (let px = 0; px < width; px += 1) {
      const v = grid.dwellSeconds[row * grid.cols + Math.floor(px / scale)];
      const [r, g, b] =
        v === null || v === undefined
          ? [128, 128, 128]
          : v === 0
            ? [0, 0, 0]
            : ramp(max > 0 ? Math.sqrt(v / max) : 0);
      raw[offset + 1 + px * 3] = r;
      raw[offset + 2 + px * 3] = g;
      raw[offset + 3 + px * 3] = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  header[10] = 0;
  header[11] = 0;
  header[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
