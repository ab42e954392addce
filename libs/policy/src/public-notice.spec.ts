import { TEST_NOTICE } from '../../../test/support/policies.js';
import { buildPublicNotice, renderPublicNoticeHtml } from './public-notice.js';
import { parseStorePolicy } from './store-policy.js';

describe(buildPublicNotice.name, () => {
  const store = { id: 'berlin', name: 'Berlin <Mitte>' };

  it('says what is collected, by which kinds of sensors, why, for how long, and how to opt out', () => {
    const sut = buildPublicNotice({
      store,
      policy: parseStorePolicy({
        mode: 'in-visit',
        allowedKinds: ['wifi', 'camera'],
        notice: TEST_NOTICE,
      }),
      sensorKinds: ['wifi', 'ble', 'camera', 'wifi'],
      optOutUrl: '/opt-out',
    });
    expect(sut.trackingActive).toBe(true);
    expect(sut.collected.map((c) => c.kind)).toEqual(['camera', 'wifi']);
    expect(sut).toMatchObject({
      controller: TEST_NOTICE.controllerName,
      purpose: TEST_NOTICE.purpose,
      retention: TEST_NOTICE.retentionStatement,
      optOut: { instructions: TEST_NOTICE.optOutInstructions, url: '/opt-out' },
      dpiaReference: TEST_NOTICE.dpiaReference,
    });
    expect(sut.howPersonalDataIsProtected.join(' ')).toMatch(/every 24 hours/);
  });

  it('reports no tracking when the store is off', () => {
    const sut = buildPublicNotice({
      store,
      policy: parseStorePolicy({}),
      sensorKinds: ['wifi'],
      optOutUrl: '/opt-out',
    });
    expect(sut.trackingActive).toBe(false);
    expect(sut.status).toMatch(/not tracking/);
  });

  it('renders escaped HTML', () => {
    const html = renderPublicNoticeHtml(
      buildPublicNotice({
        store,
        policy: parseStorePolicy({
          mode: 'count-only',
          notice: { ...TEST_NOTICE, purpose: '<script>alert(1)</script> counting' },
        }),
        sensorKinds: ['wifi'],
        optOutUrl: '/opt-out',
      }),
    );
    expect(html).toContain('Berlin &lt;Mitte&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Tracking is active now.');
  });

  it('links the opt-out form instead of telling shoppers to send a POST', () => {
    const html = renderPublicNoticeHtml(
      buildPublicNotice({
        store,
        policy: parseStorePolicy({ mode: 'count-only', notice: TEST_NOTICE }),
        sensorKinds: ['wifi'],
        optOutUrl: '/opt-out',
      }),
    );
    expect(html).toContain('<a href="/opt-out">');
    expect(html).not.toContain('POST');
  });
});
