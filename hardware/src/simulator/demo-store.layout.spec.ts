import { boundingBox, pointInPolygon } from '@aisle/sdk';
import { demoStoreLayout } from './demo-store.layout.js';

describe(demoStoreLayout.name, () => {
  const sut = demoStoreLayout();

  it('describes the demo store', () => {
    expect(sut.store).toEqual({
      id: 'demo',
      name: expect.any(String),
      timezone: 'Europe/Berlin',
      width: 30,
      height: 20,
      policy: expect.objectContaining({
        mode: 'in-visit',
        notice: expect.objectContaining({ dpiaReference: expect.any(String) }),
      }),
    });
    const tags = sut.zones.flatMap((z) => z.tags);
    expect(tags).toEqual(
      expect.arrayContaining(['entrance', 'checkout', 'sensitive', 'storefront', 'aisle']),
    );
    expect(sut.zones.find((z) => z.tags.includes('sensitive'))?.id).toBe('pharmacy');
  });

  it('has seven ceiling radios (wifi + ble) and one camera counter, all on the plan', () => {
    const radios = sut.sensors.filter((s) => s.kinds.includes('wifi'));
    expect(radios).toHaveLength(7);
    for (const radio of radios) {
      expect(radio.kinds).toEqual(['wifi', 'ble']);
      expect(radio.z).toBeCloseTo(2.5);
    }
    expect(sut.sensors.filter((s) => s.kinds.includes('camera'))).toHaveLength(1);
    for (const sensor of sut.sensors) {
      expect(sensor.domain).toBe('aisle-mqtt');
      expect(sensor.x).toBeGreaterThanOrEqual(0);
      expect(sensor.x).toBeLessThanOrEqual(sut.store.width);
      expect(sensor.y).toBeGreaterThanOrEqual(0);
      expect(sensor.y).toBeLessThanOrEqual(sut.store.height);
    }
    expect(new Set(sut.sensors.map((s) => s.id)).size).toBe(sut.sensors.length);
  });

  it('covers the whole floor plan with zones that do not overlap', () => {
    for (let x = 0.25; x < sut.store.width; x += 0.5) {
      for (let y = 0.25; y < sut.store.height; y += 0.5) {
        const containing = sut.zones.filter((z) => pointInPolygon({ x, y }, z.polygon));
        expect(containing.map((z) => z.id)).toHaveLength(1);
      }
    }
    for (const zone of sut.zones) {
      const box = boundingBox(zone.polygon);
      expect(box.maxX).toBeLessThanOrEqual(sut.store.width);
      expect(box.maxY).toBeLessThanOrEqual(sut.store.height);
    }
  });
});
