import { inflateSync } from 'node:zlib';
import {
  HEATMAP_MAP_ORIGIN,
  crc32,
  heatmapGrid,
  heatmapPng,
  scaleBarMetres,
  type HeatmapGrid,
  type HeatmapPngOptions,
} from './heatmap.js';

/** Decodes the PNGs heatmapPng writes (8-bit RGB, filter 0), checking every chunk's CRC. */
function decode(png: Buffer): {
  width: number;
  height: number;
  at(x: number, y: number): number[];
} {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  let offset = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('ascii');
    expect(png.readUInt32BE(offset + 8 + length)).toBe(
      crc32(png.subarray(offset + 4, offset + 8 + length)),
    );
    chunks.push({ type, data: png.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const width = chunks[0]!.data.readUInt32BE(0);
  const height = chunks[0]!.data.readUInt32BE(4);
  const raw = inflateSync(chunks[1]!.data);
  expect(raw.length).toBe((width * 3 + 1) * height);
  return {
    width,
    height,
    at: (x, y) => {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      return [raw[i]!, raw[i + 1]!, raw[i + 2]!];
    },
  };
}

describe(heatmapPng.name, () => {
  const grid = heatmapGrid({
    details: [
      { grid: { cols: 3, rows: 2, cellM: 1 }, cells: { '0': [10_000, 6], '4': [60_000, 2] } },
      { grid: { cols: 3, rows: 2, cellM: 1 }, cells: { '0': [5_000, 1] } },
    ],
    fallback: { cols: 3, rows: 2, cellM: 1 },
    k: 5,
  });
  const { x: X0, y: Y0 } = HEATMAP_MAP_ORIGIN;
  const S = 10;
  const image = (g: HeatmapGrid, options: HeatmapPngOptions = {}) =>
    decode(heatmapPng(g, { pixelsPerCell: S, ...options }));

  it('adds cells and suppresses those seen by fewer than k visits', () => {
    expect(grid.dwellSeconds).toEqual([15, 0, 0, 0, null, 0]);
    expect(grid.visits).toEqual([7, 0, 0, 0, 0, 0]);
  });

  it('draws the floor plan y-down like the JSON rows: row 0 (the front edge) at the top', () => {
    const sut = image(grid);
    // Cell 0 (x 0–1 m, y 0–1 m), the hottest, is at the top left of the map.
    expect(sut.at(X0 + 5, Y0 + 5)).toEqual([220, 30, 30]);
    // Cell 4 (row 1, col 1), suppressed, is below it: grey.
    expect(sut.at(X0 + S + 5, Y0 + S + 5)).toEqual([128, 128, 128]);
    // An empty cell is black.
    expect(sut.at(X0 + 2 * S + 5, Y0 + 5)).toEqual([0, 0, 0]);
  });

  it('outlines zones and writes their names', () => {
    const zone = {
      id: 'till',
      name: 'TILL',
      polygon: [
        { x: 1, y: 0 },
        { x: 3, y: 0 },
        { x: 3, y: 2 },
        { x: 1, y: 2 },
      ],
    };
    const sut = image(grid, { zones: [zone] });
    // The left edge of the zone at x = 1 m, half-way down: the white outline.
    expect(sut.at(X0 + S, Y0 + S)).toEqual([255, 255, 255]);
    const unnamed = image(grid, { zones: [{ ...zone, name: '' }] });
    let differing = 0;
    for (let y = Y0; y < Y0 + 2 * S; y += 1) {
      for (let x = X0 + S + 3; x < X0 + 3 * S; x += 1) {
        if (sut.at(x, y).join() !== unnamed.at(x, y).join()) differing += 1;
      }
    }
    expect(differing).toBeGreaterThan(10);
  });

  it('has a colour legend beside the map and a scale bar below it', () => {
    const sut = image(grid);
    expect(sut.width).toBeGreaterThan(X0 + 3 * S + 100);
    const legendX = X0 + 3 * S + 24 + 5;
    expect(sut.at(legendX, Y0)).toEqual([220, 30, 30]); // the highest dwell at the top
    const bottom = sut.at(legendX, Y0 + 159);
    expect(bottom).toEqual([20, 20, 60]); // none at the bottom
    // The bar: 0.5 m (a quarter of 3 m, rounded down to 1-2-5) = 5 px, dark, under the map.
    const barY = Y0 + 2 * S + 16 + 1;
    for (let x = X0; x < X0 + 5; x += 1) expect(sut.at(x, barY)).toEqual([30, 30, 30]);
    expect(sut.at(X0 + 5 + 2, barY)).toEqual([255, 255, 255]);
  });

  it('picks a round scale-bar length near a quarter of the width', () => {
    expect(scaleBarMetres(30)).toBe(5);
    expect(scaleBarMetres(20)).toBe(5);
    expect(scaleBarMetres(100)).toBe(20);
    expect(scaleBarMetres(3)).toBe(0.5);
  });

  it('sizes a store’s map to about 600 px by default', () => {
    const wide = heatmapGrid({ details: [], fallback: { cols: 30, rows: 20, cellM: 1 } });
    const sut = decode(heatmapPng(wide));
    expect(sut.width).toBeGreaterThan(600);
    expect(sut.height).toBeGreaterThan(400);
  });

  it('computes the standard CRC-32 check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
