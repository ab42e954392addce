import { FakeClock } from '@aisle/sdk/testing';
import { EventBus } from './event-bus.js';

describe(EventBus.name, () => {
  it('stamps events and isolates a failing subscriber from the others', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const sut = new EventBus(clock);
    const seen: string[] = [];
    const errors: unknown[] = [];
    sut.subscribe(
      () => {
        throw new Error('boom');
      },
      (error) => errors.push(error),
    );
    sut.subscribe(
      () => Promise.reject(new Error('async boom')),
      (error) => errors.push(error),
    );
    sut.subscribe(
      (e) => void seen.push(e.type),
      (error) => errors.push(error),
    );
    const event = sut.publish('sensor.offline', 'store-1', {
      sensorId: 's',
      domain: 'd',
      reason: 'silent',
    });
    sut.publish('sensor.online', 'store-1', { sensorId: 's', domain: 'd' });
    await Promise.resolve();
    expect(event).toMatchObject({
      type: 'sensor.offline',
      storeId: 'store-1',
      at: Date.UTC(2026, 0, 1),
    });
    expect(event.id).toMatch(/^evt_/);
    expect(seen).toEqual(['sensor.offline', 'sensor.online']);
    expect(errors).toHaveLength(4);
  });
});
