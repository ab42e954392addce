import { AvailabilityWatchdog } from './availability.js';
import type { Clock } from './clock.js';
import { FakeClock } from './testing/fake-clock.js';

function statusLog(): {
  statuses: string[];
  status: { available(): void; unavailable(reason: string): void };
} {
  const statuses: string[] = [];
  return {
    statuses,
    status: {
      available: () => void statuses.push('available'),
      unavailable: (reason) => void statuses.push(`unavailable: ${reason}`),
    },
  };
}

describe(AvailabilityWatchdog.name, () => {
  function setup(): { sut: AvailabilityWatchdog; clock: FakeClock; statuses: string[] } {
    const clock = new FakeClock();
    const { statuses, status } = statusLog();
    const sut = AvailabilityWatchdog.forDriver(
      { clock, status },
      { unavailableAfterSeconds: 30, silence: 'no advertisement' },
    );
    return { sut, clock, statuses };
  }

  it('reports available on the first input and unavailable after the silence', () => {
    const { sut, clock, statuses } = setup();
    sut.start();
    clock.advance(10_000);
    expect(statuses).toEqual([]);

    sut.seen();
    sut.seen();
    clock.advance(29_999);
    expect(statuses).toEqual(['available']);

    clock.advance(1);
    expect(statuses).toEqual(['available', 'unavailable: no advertisement for 30 s']);
    sut.seen();
    expect(statuses.at(-1)).toBe('available');
  });

  it('keeps one timer however many inputs come, and still reports the silence after the last one', () => {
    const { sut, clock, statuses } = setup();
    sut.start();
    for (let i = 0; i < 100; i += 1) {
      clock.advance(250);
      sut.seen();
      expect(clock.pending).toBe(1);
    }
    // The timer armed at start fired meanwhile and waited for the rest of the silence.
    clock.advance(29_999);
    expect(statuses).toEqual(['available']);
    clock.advance(1);
    expect(statuses).toEqual(['available', 'unavailable: no advertisement for 30 s']);
    expect(clock.pending).toBe(0);
  });

  it('a wall clock set back an hour delays the report by at most one more timeout, not an hour', () => {
    const clock = new FakeClock();
    let offset = 0;
    const skewed: Clock = {
      now: () => clock.now() + offset,
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
      setInterval: (fn, ms) => clock.setInterval(fn, ms),
      clearInterval: (handle) => clock.clearInterval(handle),
    };
    const { statuses, status } = statusLog();
    const sut = AvailabilityWatchdog.forDriver(
      { clock: skewed, status },
      { unavailableAfterSeconds: 30, silence: 'no advertisement' },
    );
    sut.seen();
    offset = -3_600_000;
    clock.advance(60_000);
    expect(statuses).toEqual(['available', 'unavailable: no advertisement for 30 s']);
  });

  it('reports unavailable when nothing ever arrived', () => {
    const { sut, clock, statuses } = setup();
    sut.start();
    clock.advance(30_000);
    expect(statuses).toEqual(['unavailable: no advertisement for 30 s']);
  });

  it('reports a device that says it is gone at once, and only once', () => {
    const { sut, clock, statuses } = setup();
    sut.start();
    sut.seen();

    sut.unavailable('adapter powered off');
    sut.unavailable('adapter powered off');
    clock.advance(60_000);
    expect(statuses).toEqual(['available', 'unavailable: adapter powered off']);
    expect(clock.pending).toBe(0);

    sut.seen();
    expect(statuses.at(-1)).toBe('available');
  });

  it('does not repeat unavailable for a device that says it is gone after the timeout', () => {
    const { sut, clock, statuses } = setup();
    sut.start();
    clock.advance(30_000);
    sut.unavailable('the sensor reported offline');
    expect(statuses).toEqual(['unavailable: no advertisement for 30 s']);
  });

  it('reports nothing more once stopped', () => {
    const { sut, clock, statuses } = setup();
    sut.start();
    sut.seen();
    sut.stop();
    clock.advance(120_000);
    expect(statuses).toEqual(['available']);
    expect(clock.pending).toBe(0);
  });

  it('says what was missing by default', () => {
    const clock = new FakeClock();
    const { statuses, status } = statusLog();
    const sut = new AvailabilityWatchdog({ clock, status, timeoutMs: 90_000 });
    sut.start();
    clock.advance(90_000);
    expect(statuses).toEqual(['unavailable: nothing received for 90 s']);
  });
});
