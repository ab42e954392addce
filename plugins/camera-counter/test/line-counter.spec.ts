import fc from 'fast-check';
import { MAX_COUNT } from '@aisle/sdk';
import {
  IntervalLedger,
  LiveSumTracker,
  parseReport,
  parseTimestamp,
} from '../src/line-counter.js';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const parse = (value: unknown, utcOffsetMinutes = 0) =>
  parseReport(value, { path: '', utcOffsetMinutes });

describe(parseReport.name, () => {
  it('reads an Axis live-sum answer', () => {
    expect(
      parse({
        serial: 'ACCC8E000001',
        name: 'Entrance',
        timestamp: '20260101090000',
        in: 13,
        out: 9,
      }),
    ).toEqual({ ok: true, report: { serial: 'ACCC8E000001', at: T0, in: 13, out: 9 } });
  });

  it.each([
    ['20260101100000', 60, T0],
    ['2026-01-01T09:00:00Z', 60, T0],
    ['2026-01-01T10:00:00+01:00', 0, T0],
    ['2026-01-01T04:00:00-0500', 0, T0],
    ['2026-01-01T09:00:00.250Z', 0, T0 + 250],
    ['2026-01-01 10:00:00', 60, T0],
    [T0 / 1000, 0, T0],
  ])('reads the timestamp %p (device offset %p min)', (timestamp, offset, expected) => {
    expect(parseTimestamp(timestamp, offset)).toBe(expected);
  });

  it.each(['20260230090000', '2026-01-01T25:00:00Z', 'yesterday', '', -5, Number.NaN, null])(
    'refuses the timestamp %p',
    (timestamp) => {
      expect(parseTimestamp(timestamp, 0)).toBeUndefined();
    },
  );

  it.each([
    [
      { timestamp: '20260101090000', in: -1, out: 0 },
      'bad_count',
      /^in: must be an integer from 0 to 100000 \(got -1\)/,
    ],
    [{ timestamp: '20260101090000', in: 1, out: MAX_COUNT + 1 }, 'bad_count', /^out: /],
    [{ timestamp: '20260101090000', in: 1.5, out: 0 }, 'bad_count', /^in: /],
    [{ timestamp: '20260101090000', in: '3', out: 0 }, 'bad_count', /got "3"/],
    [{ timestamp: 'soon', in: 1, out: 0 }, 'bad_timestamp', /^timestamp: .*got "soon"/],
    [{ timestamp: '20260101090000', in: 1, out: 0, interval: 0 }, 'bad_interval', /^interval: /],
    [
      { timestamp: '20260101090000', in: 1, out: 0, snapshot: 'data:image/jpeg;base64,AAAA' },
      'image_data',
      /^snapshot: /,
    ],
    [
      { timestamp: '20260101090000', in: 1, out: 0, people: [] },
      'unknown_field',
      /^people: is not a field/,
    ],
    [{ timestamp: '20260101090000', in: 1, out: 0, serial: 7 }, 'bad_serial', /^serial: /],
    [[1, 2], 'bad_report', /^payload: must be an object/],
  ])('rejects %p as %s naming the field', (value, reason, detail) => {
    const result = parse(value);
    expect(result).toMatchObject({ reason });
    expect((result as { detail: string }).detail).toMatch(detail);
  });

  it('never quotes a serial (Axis serials are MAC addresses)', () => {
    const result = parse({ serial: 'AC:CC:8E:00:00:01'.repeat(5), timestamp: 1, in: 1, out: 0 });
    expect(JSON.stringify(result)).not.toContain('AC:CC');
  });

  it('rejects arbitrary JSON cleanly, and accepts only bounded counts (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ timestamp: fc.anything(), in: fc.anything(), out: fc.anything() }),
        ),
        (value) => {
          const result = parse(value);
          if ('ok' in result) {
            expect(result.report.in).toBeGreaterThanOrEqual(0);
            expect(result.report.in).toBeLessThanOrEqual(MAX_COUNT);
            expect(Number.isFinite(result.report.at)).toBe(true);
          } else {
            expect(result.reason).toMatch(/^[a-z_]+$/);
          }
        },
      ),
    );
  });
});

describe(IntervalLedger.name, () => {
  it('counts an interval once; repeats are duplicates, other figures conflicts', () => {
    const sut = new IntervalLedger(3_600_000);
    expect(sut.record(T0, { in: 3, out: 1 }, T0 + 60_000)).toBe('new');
    expect(sut.record(T0, { in: 3, out: 1 }, T0 + 120_000)).toBe('duplicate');
    expect(sut.record(T0, { in: 4, out: 1 }, T0 + 120_000)).toBe('conflict');
    expect(sut.record(T0 - 3_600_001 + 60_000, { in: 1, out: 0 }, T0 + 60_000)).toBe('too_late');
    sut.forgetBefore(T0 + 1);
    expect(sut.size).toBe(0);
  });

  it('never double-counts, whatever the order and repetition of reports (property)', () => {
    const report = fc.record({
      start: fc.integer({ min: 0, max: 20 }),
      in: fc.integer({ min: 0, max: 50 }),
      out: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(report, { maxLength: 60 }), (reports) => {
        const sut = new IntervalLedger(86_400_000);
        let counted = 0;
        const first = new Map<number, number>();
        for (const r of reports) {
          if (!first.has(r.start)) first.set(r.start, r.in);
          if (sut.record(T0 + r.start * 60_000, r, T0 + 30 * 60_000) === 'new') counted += r.in;
        }
        expect(counted).toBe([...first.values()].reduce((a, b) => a + b, 0));
      }),
    );
  });
});

describe(LiveSumTracker.name, () => {
  const at = (minutes: number) => T0 + minutes * 60_000;

  it('takes the first reading as a baseline, then counts differences per interval', () => {
    const sut = new LiveSumTracker(0);
    expect(sut.reading({ at: at(0), in: 100, out: 90 })).toEqual({ kind: 'baseline' });
    expect(sut.reading({ at: at(1), in: 104, out: 91 })).toEqual({
      kind: 'delta',
      entries: 4,
      exits: 1,
      intervalStart: at(0),
      at: at(1),
      reset: false,
    });
    expect(sut.reading({ at: at(1), in: 104, out: 91 })).toEqual({ kind: 'stale' });
    expect(sut.reading({ at: at(0.5), in: 200, out: 91 })).toEqual({ kind: 'stale' });
  });

  it('treats a lower sum (reboot) or a new device day (midnight) as a restart from zero', () => {
    const sut = new LiveSumTracker(60); // device on UTC+1: its midnight is 23:00 UTC
    const evening = Date.UTC(2026, 0, 1, 22, 59, 0);
    sut.reading({ at: evening, in: 500, out: 490 });
    expect(sut.reading({ at: evening + 120_000, in: 3, out: 1 })).toMatchObject({
      entries: 3,
      exits: 1,
      reset: true,
    });
    expect(sut.reading({ at: evening + 180_000, in: 2, out: 9 })).toMatchObject({
      entries: 2,
      exits: 9,
      reset: true,
    });
  });

  it('never goes backwards, and within a day adds up to the difference of the sums (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })), {
          minLength: 1,
          maxLength: 50,
        }),
        (steps) => {
          const sut = new LiveSumTracker(0);
          let sumIn = 0;
          let sumOut = 0;
          let countedIn = 0;
          sut.reading({ at: at(0), in: 0, out: 0 });
          steps.forEach(([dIn, dOut], i) => {
            sumIn += dIn;
            sumOut += dOut;
            const step = sut.reading({ at: at(i + 1), in: sumIn, out: sumOut });
            if (step.kind === 'delta') {
              expect(step.entries).toBeGreaterThanOrEqual(0);
              expect(step.exits).toBeGreaterThanOrEqual(0);
              countedIn += step.entries;
            }
          });
          expect(countedIn).toBe(sumIn);
        },
      ),
    );
  });
});
