import { deflateSync } from 'node:zlib';
import { GLYPH_ADVANCE, GLYPH_WIDTH, glyph, textWidth } from './bitmap-font.js';
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
function ramp(t: number): Rgb {
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

type Rgb = readonly [number, number, number];

const EMPTY: Rgb = [0, 0, 0];
const SUPPRESSED: Rgb = [128, 128, 128];
const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [30, 30, 30];
const OUTLINE: Rgb = [255, 255, 255];
const OUTLINE_SHADOW: Rgb = [0, 0, 0];

/** An RGB image being drawn (top-left origin, y down). */
class Canvas {
  readonly pixels: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = Buffer.alloc(width * height * 3);
    this.fill(0, 0, width, height, BACKGROUND);
  }

  fill(x: number, y: number, w: number, h: number, [r, g, b]: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py += 1) {
      for (let i = (py * this.width + x0) * 3, end = (py * this.width + x1) * 3; i < end; i += 3) {
        this.pixels[i] = r;
        this.pixels[i + 1] = g;
        this.pixels[i + 2] = b;
      }
    }
  }

  /** A straight line `thickness` pixels wide (a square pen moved along it). */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const half = Math.floor((thickness - 1) / 2);
    for (let i = 0; i <= steps; i += 1) {
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      this.fill(Math.round(x) - half, Math.round(y) - half, thickness, thickness, colour);
    }
  }

  text(x: number, y: number, text: string, colour: Rgb, size = 2): void {
    [...text].forEach((char, n) => {
      glyph(char).forEach((row, gy) => {
        for (let gx = 0; gx < GLYPH_WIDTH; gx += 1) {
          if (row[gx] === '1') {
            this.fill(x + (n * GLYPH_ADVANCE + gx) * size, y + gy * size, size, size, colour);
          }
        }
      });
    });
  }

  png(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y += 1) {
      const offset = y * (this.width * 3 + 1);
      raw[offset] = 0; // filter: none
      this.pixels.copy(raw, offset + 1, y * this.width * 3, (y + 1) * this.width * 3);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // colour type: RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

/** A zone as the heatmap draws it: outline and name, in floor-plan metres. */
export interface HeatmapZone {
  id: string;
  name: string;
  polygon: readonly { x: number; y: number }[];
}

export interface HeatmapPngOptions {
  /** Image pixels per grid cell (default: the map about 600 px wide, within 4–40). */
  pixelsPerCell?: number;
  /** Zones drawn as outlines with their names. */
  zones?: readonly HeatmapZone[];
}

/** Margin around the drawing, px. */
const PAD = 12;
/** Room above the map and legend for their captions, px. */
const TOP = 34;
/** Where the floor plan's (0, 0) is in the image, px: x right, y down from there. */
export const HEATMAP_MAP_ORIGIN = { x: PAD, y: TOP } as const;
const LEGEND_BAR_W = 20;
const LEGEND_H_MIN = 160;

/** The colour of a dwell value on the legend's square-root scale (as the cells are drawn). */
function cellColour(v: number | null | undefined, max: number): Rgb {
  if (v === null || v === undefined) return SUPPRESSED;
  if (v === 0) return EMPTY;
  return ramp(max > 0 ? Math.sqrt(v / max) : 0);
}

/** The round length (1, 2 or 5 × 10ⁿ m) closest below a quarter of the floor's width. */
export function scaleBarMetres(widthM: number): number {
  const target = Math.max(widthM / 4, 0.1);
  const power = 10 ** Math.floor(Math.log10(target));
  return [5, 2, 1].map((f) => f * power).find((m) => m <= target) ?? power;
}

function formatSeconds(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

/**
 * The heatmap as an RGB PNG in the floor-plan frame the rest of the API uses: x to the right and
 * y down from the front edge (row 0 of the JSON grid at the top; (0,0) marked), so the image reads
 * like the JSON rows. Cells are coloured by dwell on a square-root ramp; grey cells were seen by
 * fewer than k visits (suppressed), black ones by none. Zone outlines carry the zone names; a
 * colour legend gives the dwell in seconds, and a scale bar the metres. Encoded here with
 * node:zlib and a built-in 5×7 font: no image library needed.
 */
export function heatmapPng(grid: HeatmapGrid, options: HeatmapPngOptions = {}): Buffer {
  const s = Math.round(
    options.pixelsPerCell ?? Math.min(40, Math.max(4, Math.round(600 / Math.max(1, grid.cols)))),
  );
  const mapW = grid.cols * s;
  const mapH = grid.rows * s;
  const legendH = Math.max(mapH, LEGEND_H_MIN);
  const legendX = PAD + mapW + 24;
  const captionW = textWidth('DWELL (s)', 2);
  const width = legendX + Math.max(LEGEND_BAR_W + 6 + textWidth('< K VISITS', 2), captionW) + PAD;
  const height = TOP + Math.max(mapH + 32, legendH + 48) + PAD;
  const canvas = new Canvas(width, height);
  const max = Math.max(0, ...grid.dwellSeconds.map((v) => v ?? 0));

  // Cells, row 0 (y = 0, the front edge) at the top.
  for (let row = 0; row < grid.rows; row += 1) {
    for (let col = 0; col < grid.cols; col += 1) {
      const colour = cellColour(grid.dwellSeconds[row * grid.cols + col], max);
      canvas.fill(PAD + col * s, TOP + row * s, s, s, colour);
    }
  }
  canvas.text(PAD, TOP - 20, '(0,0)', INK);

  // Zones: a white outline on a dark edge, the name inside the top-left of its bounding box.
  const px = (m: number): number => PAD + (m / grid.cellM) * s;
  const py = (m: number): number => TOP + (m / grid.cellM) * s;
  const thickness = s >= 10 ? 2 : 1;
  for (const zone of options.zones ?? []) {
    const points = zone.polygon;
    points.forEach((a, i) => {
      const b = points[(i + 1) % points.length] as { x: number; y: number };
      canvas.line(px(a.x), py(a.y), px(b.x), py(b.y), OUTLINE, thickness);
    });
    if (points.length === 0) continue;
    const minX = Math.min(...points.map((p) => p.x));
    const maxX = Math.max(...points.map((p) => p.x));
    const minY = Math.min(...points.map((p) => p.y));
    // Upper case: the font's lower-case letters are only the units' `m` and `s`.
    const name = zone.name.toUpperCase();
    const room = px(maxX) - px(minX) - 8;
    const size = textWidth(name, 2) <= room ? 2 : 1;
    const fits = Math.max(0, Math.floor((room + size) / (GLYPH_ADVANCE * size)));
    const label = name.length <= fits ? name : name.slice(0, fits);
    const lx = px(minX) + 4;
    const ly = py(minY) + 4;
    canvas.text(lx + 1, ly + 1, label, OUTLINE_SHADOW, size);
    canvas.text(lx, ly, label, OUTLINE, size);
  }

  // Legend: the ramp from the highest dwell (top) to none (bottom), with values in seconds.
  canvas.text(legendX, TOP - 20, 'DWELL (s)', INK);
  for (let y = 0; y < legendH; y += 1) {
    const t = 1 - y / Math.max(1, legendH - 1);
    canvas.fill(legendX, TOP + y, LEGEND_BAR_W, 1, ramp(t));
  }
  const labelX = legendX + LEGEND_BAR_W + 6;
  for (const t of [1, 0.5, 0]) {
    // The ramp is on the square root of dwell ÷ max: t = 0.5 is a quarter of the maximum.
    const y = TOP + Math.round((1 - t) * (legendH - 1));
    canvas.fill(legendX + LEGEND_BAR_W, y, 4, 1, INK);
    canvas.text(labelX, Math.min(y - 7, TOP + legendH - 14), formatSeconds(max * t * t), INK);
  }
  const swatchY = TOP + legendH + 12;
  canvas.fill(legendX, swatchY, LEGEND_BAR_W, 14, EMPTY);
  canvas.text(labelX, swatchY, 'NONE', INK);
  canvas.fill(legendX, swatchY + 22, LEGEND_BAR_W, 14, SUPPRESSED);
  canvas.text(labelX, swatchY + 22, '< K VISITS', INK);

  // Scale bar under the map.
  const metres = scaleBarMetres(grid.cols * grid.cellM);
  const barPx = Math.round((metres / grid.cellM) * s);
  const barY = TOP + mapH + 16;
  canvas.fill(PAD, barY, barPx, 4, INK);
  canvas.fill(PAD, barY - 4, 2, 12, INK);
  canvas.fill(PAD + barPx - 2, barY - 4, 2, 12, INK);
  canvas.text(PAD + barPx + 8, barY - 5, `${metres} m`, INK);
  return canvas.png();
}
