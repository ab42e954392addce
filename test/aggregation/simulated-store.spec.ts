import {
  Sessioniser,
  computeBucket,
  countFromSighting,
  deviceShare,
  type CountRecord,
  type VisitRecord,
} from '@aisle/aggregation';
import { StoreSimulator, demoStoreLayout, truthPositions } from '@aisle/hardware';

const START = Date.UTC(2026, 0, 1, 9);
const MINUTES = 40;

/**
 * The demo store's simulator, its ground truth turned into positions (people with a phone only)
 * and its camera counter into counts: the aggregation maths must find the simulated shoppers.
 */
describe('aggregation of a simulated store', () => {
  const layout = demoStoreLayout();
  const simulator = new StoreSimulator({ seed: 7, startAt: START, layout });
  const sut = new Sessioniser();
  sut.configureStore('demo', {
    outsideZoneIds: layout.zones.filter((z) => z.tags.includes('storefront')).map((z) => z.id),
    width: layout.store.width,
    height: layout.store.height,
  });
  const visits: VisitRecord[] = [];
  const counts: CountRecord[] = [];
  /** Pseudonym → when the shopper (with a phone) first stepped inside. */
  const shoppersWithPhone = new Map<string, number>();
  const shoppersEntered = new Set<string>();
  const passersBy = new Set<string>();

  beforeAll(() => {
    for (let t = 0; t < MINUTES * 30; t += 1) {
      const { observations, groundTruth } = simulator.step(2_000);
      for (const o of observations) {
        if (o.kind !== 'camera') continue;
        const count = countFromSighting({ ...o, period: START });
        if (count) counts.push(count);
      }
      const positions = truthPositions({ storeId: 'demo', truth: groundTruth });
      const withPhone = groundTruth.people.filter((p) => p.phone);
      withPhone.forEach((person, i) => {
        const subject = positions[i]!.subject;
        if (person.role === 'passer-by') passersBy.add(subject);
        if (person.role === 'shopper' && person.inside && !shoppersWithPhone.has(subject)) {
          shoppersWithPhone.set(subject, groundTruth.at);
        }
      });
      for (const person of groundTruth.people) {
        if (person.role === 'shopper' && person.inside) shoppersEntered.add(person.personId);
      }
      for (const p of positions) sut.ingest(p);
      for (const e of sut.advance(groundTruth.at))
        {if (e.type === 'visit.ended') visits.push(e.visit);}
    }
    for (const e of sut.closeAll()) if (e.type === 'visit.ended') visits.push(e.visit);
  });

  it('finds one visit per shopper with a phone, and nobody else as a visitor', () => {
    const visitors = visits.filter((v) => !v.passerBy);
    expect(shoppersWithPhone.size).toBeGreaterThan(40);
    const visitorSubjects = new Set(visitors.map((v) => v.subject));
    expect(visitorSubjects.size).toBe(visitors.length);
    expect(visitors.every((v) => v.ordinal === 1 && shoppersWithPhone.has(v.subject))).toBe(true);
    // a shopper only missing when the simulation ended within a minute of them stepping inside
    const end = START + MINUTES * 60_000;
    for (const [subject, enteredAt] of shoppersWithPhone) {
      if (!visitorSubjects.has(subject)) expect(end - enteredAt).toBeLessThanOrEqual(60_000);
    }
    const passerSessions = visits.filter((v) => v.passerBy);
    expect(passerSessions.length).toBeGreaterThan(visitors.length);
    expect(passerSessions.every((v) => !visitorSubjects.has(v.subject))).toBe(true);
    expect([...passersBy].every((s) => !visitorSubjects.has(s))).toBe(true);
  });

  it('calibrates the device share against the camera: the simulated 85 % inside the interval', () => {
    const entries = counts.reduce((s, c) => s + c.entries, 0);
    // the camera misses ~3 % of crossings; people were counted once per entry
    expect(entries).toBeLessThanOrEqual(shoppersEntered.size);
    expect(entries).toBeGreaterThan(shoppersEntered.size * 0.9);
    const share = deviceShare({
      people: entries,
      devices: visits.filter((v) => !v.passerBy).length,
    })!;
    expect(share.lower).toBeLessThan(0.85);
    expect(share.upper).toBeGreaterThan(0.85);
  });

  it('rolls the visits up: dwell per zone and transitions along the simulated route', () => {
    const rows = computeBucket({
      storeId: 'demo',
      bucket: '1h',
      bucketStart: START,
      timeZone: layout.store.timezone,
      visits,
      counts,
    });
    const transitions = rows.find((r) => r.metric === 'transitions')?.detail?.counts ?? {};
    // everyone comes in over the pavement and through the entrance
    expect(transitions['storefront>entrance']).toBeGreaterThan(0);
    const checkout = rows.find((r) => r.metric === 'dwell' && r.zoneId === 'checkout');
    // checkout dwell is 30–120 s in the simulator (plus walking through the zone)
    const values = checkout?.detail?.values ?? [];
    expect(values.length).toBeGreaterThan(0);
    const sorted = [...values].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThanOrEqual(30);
  });
});
