import { AvailabilityWatchdog } from './availability.js';
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
