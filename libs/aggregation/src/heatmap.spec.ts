import { inflateSync } from 'node:zlib';
import { crc32, heatmapGrid, heatmapPng } from './heatmap.js';

describe(heatmapPng.name, () => {
  const grid = heatmapGrid({
    details: [
      { grid: { cols: 3, rows: 2, cellM: 1 }, cells: { '0': [10_000, 6], '4': [60_000, 2] } },
      { grid: { cols: 3, rows: 2, cellM: 1 }, cells: { '0': [5_000, 1] } },
    ],
    fallback: { cols: 3, rows: 2, cellM: 1 },
    k: 5,
  });

  it('adds cells and suppresses those seen by fewer than k visits', () => {
    expect(grid.dwellSeconds).toEqual([15, 0, 0, 0, null, 0]);
    expect(grid.visits).toEqual([7, 0, 0, 0, 0, 0]);
  });

  it('writes a valid PNG: signature, IHDR size, CRCs and pixel rows', () => {
    const png = heatmapPng(grid, 2);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.readUInt32BE(16)).toBe(6); // width = 3 cells × 2 px
    expect(png.readUInt32BE(20)).toBe(4);
    let offset = 8;
    const chunks: { type: string; data: Buffer }[] = [];
    while (offset < png.length) {
      const length = png.readUInt32BE(offset);
      const type = png.subarray(offset + 4, offset + 8).toString('ascii');
      const data = png.subarray(offset + 8, offset + 8 + length);
      expect(png.readUInt32BE(offset + 8 + length)).toBe(
        crc32(png.subarray(offset + 4, offset + 8 + length)),
      );
      chunks.push({ type, data });
      offset += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const raw = inflateSync(chunks[1]!.data);
    expect(raw.length).toBe((6 * 3 + 1) * 4);
    // bottom-left cell (row 0, the hottest) is drawn in the last pixel rows; suppressed cell grey
    const lastRow = raw.subarray(3 * 19, 4 * 19);
    expect([...lastRow.subarray(1, 4)]).toEqual([220, 30, 30]);
    const topRow = raw.subarray(0, 19);
    expect([...topRow.subarray(1 + 3 * 2, 1 + 3 * 2 + 3)]).toEqual([128, 128, 128]);
  });

  it('computes the standard CRC-32 check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
