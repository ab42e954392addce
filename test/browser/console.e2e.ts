import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  AggregationService,
  observe,
  REPO_ROOT,
  SIGHTINGS,
  StoreDirectory,
  type HandOff,
} from '@aisle/core';
import type { Sighting } from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { launchChromium, screenshot, seriousViolations, type RunningBrowser } from './browser.js';

/**
 * The web console in Debian's Chromium, driven by Playwright, against a whole test hub with the
 * demo store on a fake clock: every wait is on the page or the API, never on the wall clock.
 */

/** A weekday late morning (Berlin), the demo store busy. */
const T0 = Date.UTC(2026, 2, 10, 10, 0, 0);
const NEW_STORE = 'browser-store';

describe('the web console in a real browser', () => {
  let sut: TestHub;
  let chromium: RunningBrowser;
  let receiver: WebhookReceiver;
  let page: Page;
  const clock = new FakeClock(T0);
  const errors: string[] = [];

  /** Runs the demo simulator for `seconds` of hub time, one step per second (as demo-metrics). */
  async function simulate(seconds: number): Promise<void> {
    let latest = 0;
    const seen = observe(sut.hub.get<HandOff<Sighting>>(SIGHTINGS)).subscribe((s) => {
      if (s.at > latest) latest = s.at;
    });
    try {
      for (let t = 0; t < seconds; t += 1) {
        clock.advance(1_000);
        const deadline = Date.now() + 1_000;
        while (latest < clock.now() - 1_000 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    } finally {
      seen.unsubscribe();
    }
  }

  /** Serious and critical axe-core violations per page, checked in the last test. */
  const accessibility: Record<string, unknown[]> = {};
  async function expectAccessible(name: string): Promise<void> {
    accessibility[name] = await seriousViolations(page);
  }

  async function signIn(key: string): Promise<void> {
    await page.goto(`${sut.hub.url}/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'apps', 'console', 'dist', 'index.html'))) {
      execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
        stdio: 'inherit',
        env: { ...process.env, AISLE_QUIET_BUILD: '1' },
      });
    }
    receiver = await startWebhookReceiver();
    sut = await startTestHub({
      demo: true,
      clock,
      // Visits from the first simulated instant: the charts fill within the minutes simulated here.
      startGraceSeconds: 0,
      env: { AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' },
    });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => errors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await sut?.stop();
    await receiver?.close();
  });

  it('signs in with an API key kept in session storage, never in the URL', async () => {
    await page.goto(`${sut.hub.url}/`);
    await page.getByLabel('API key').waitFor();
    await screenshot(page, 'sign-in');
    await expectAccessible('sign-in');

    await page.getByLabel('API key').fill('ak_000000000000.wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/malformed API key|invalid API key/).waitFor();

    await signIn(sut.adminKey);
    expect(page.url()).not.toContain(sut.adminKey);
    expect(
      await page.evaluate(() => (globalThis as any).sessionStorage.getItem('aisle.apiKey')),
    ).toBe(sut.adminKey);
    expect(await page.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
    await page.getByRole('link', { name: 'Stores' }).click();
    await page.getByRole('link', { name: 'Demo store (simulated)' }).waitFor();
    await screenshot(page, 'stores');
    await expectAccessible('stores');
  }, 60_000);

  it('creates a store, draws a zone, places and drags a sensor, with API messages at the field', async () => {
    await page.goto(`${sut.hub.url}/#/stores`);
    await page.getByRole('button', { name: 'New store' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Store id').fill(NEW_STORE);
    await dialog.getByLabel('Name').fill('Browser store');
    await dialog.getByLabel('Time zone').fill('Europe/Berlin');
    await dialog.getByLabel('Width (m)').fill('20');
    await dialog.getByLabel('Depth (m)').fill('10');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Browser store' }).click();
    await page.getByRole('heading', { name: 'Floor plan — Browser store' }).waitFor();

    // Upload a plan image (SVG): it is drawn under the zones.
    await page.locator('input[type="file"]').setInputFiles({
      name: 'plan.svg',
      mimeType: 'image/svg+xml',
      buffer: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">' +
          '<rect width="200" height="100" fill="#f1f3f5"/>' +
          '<rect x="10" y="10" width="60" height="15" fill="#ced4da"/>' +
          '<rect x="10" y="40" width="60" height="15" fill="#ced4da"/>' +
          '<rect x="120" y="10" width="15" height="80" fill="#ced4da"/></svg>',
      ),
    });
    await page.getByRole('button', { name: 'Upload image' }).click();
    await page
      .getByRole('img', { name: /Floor plan of Browser store/ })
      .locator('image')
      .waitFor();
    expect(
      (await sut.get(`/api/stores/${NEW_STORE}/floor-plan/info`).expect(200)).body,
    ).toMatchObject({
      contentType: 'image/svg+xml',
      pixelWidth: 200,
    });

    // Draw a zone: four clicks on the plan, then the form.
    await page.getByRole('button', { name: 'Draw a new zone' }).click();
    // A group rather than an image once a zone is selected (its corners are buttons then).
    const plan = page.locator('svg[aria-label^="Floor plan of Browser store"]');
    let box = (await plan.boundingBox())!;
    // The plan (20 × 10 m plus a 2 % margin) fills the width; click inside its left half.
    const at = (x: number, y: number) => {
      const pad = 20 * 0.02;
      const scale = box.width / (20 + 2 * pad);
      return { x: box.x + (pad + x) * scale, y: box.y + (pad + 10 - y) * scale };
    };
    for (const [x, y] of [
      [2, 2],
      [8, 2],
      [8, 6],
      [2, 6],
    ] as const) {
      const p = at(x, y);
      await page.mouse.click(p.x, p.y);
    }
    await page.getByTestId('drawing').locator('circle').nth(3).waitFor();
    await page.getByLabel('Zone id').fill('fresh-corner');
    await page.getByLabel('Zone name').fill('Fresh corner');
    await page.getByLabel('Tags').fill('aisle, fresh');
    // A corner outside the floor: the API's message appears next to the corners field.
    const corners = page.getByLabel(/Corners/);
    const drawn = await corners.inputValue();
    await corners.fill(`${drawn}; 25, 6`);
    await page.getByRole('button', { name: 'Create zone' }).click();
    await page.getByText(/polygon\[4\]\.x: must be within the floor plan \(0\.\.20 m\)/).waitFor();
    await corners.fill(drawn);
    await page.getByRole('button', { name: 'Create zone' }).click();
    await page.getByRole('button', { name: 'Save zone' }).waitFor();
    const zone = (await sut.get(`/api/stores/${NEW_STORE}/zones/fresh-corner`).expect(200)).body;
    expect(zone.tags).toEqual(['aisle', 'fresh']);
    expect(zone.polygon).toHaveLength(4);
    for (const [i, [x, y]] of [
      [2, 2],
      [8, 2],
      [8, 6],
      [2, 6],
    ].entries()) {
      expect(zone.polygon[i].x).toBeCloseTo(x!, 0);
      expect(zone.polygon[i].y).toBeCloseTo(y!, 0);
    }

    // Place a sensor, then drag it across the plan.
    await page.getByRole('button', { name: 'Add a sensor' }).click();
    await page.getByLabel('Sensor id').fill('radio-a');
    await page.getByLabel('Plugin').selectOption('aisle-mqtt');
    await page.getByLabel('x (m)').fill('30');
    await page.getByLabel('y (m)').fill('5');
    await page.getByRole('button', { name: 'Add sensor' }).click();
    await page
      .getByText(/x: must be within the floor plan/)
      .first()
      .waitFor();
    await page.getByLabel('x (m)').fill('4');
    await page.getByRole('button', { name: 'Add sensor' }).click();
    const dot = page.locator('[data-sensor="radio-a"] circle');
    await dot.waitFor();
    // The form below scrolled the page: bring the plan back and measure it again.
    await plan.scrollIntoViewIfNeeded();
    box = (await plan.boundingBox())!;
    const from = (await dot.boundingBox())!;
    const to = at(15, 8);
    const patched = page.waitForResponse(
      (r) => r.url().endsWith('/sensors/radio-a') && r.request().method() === 'PATCH',
    );
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    expect((await patched).status()).toBe(200);
    // The table follows once the sensors are read again.
    await page.waitForFunction(() =>
      [
        ...(globalThis as any).document.querySelectorAll('input[aria-label="x of radio-a (m)"]'),
      ].some((input: any) => String(input.value).startsWith('15')),
    );
    const sensor = (await sut.get(`/api/stores/${NEW_STORE}/sensors/radio-a`).expect(200)).body;
    expect(sensor.x).toBeCloseTo(15, 0);
    expect(sensor.y).toBeCloseTo(8, 0);
    await screenshot(page, 'floor-plan');
    await expectAccessible('floor-plan');
  }, 90_000);

  it("edits a zone's corners on the plan: drag one, add one, remove one (keyboard too)", async () => {
    await page.goto(`${sut.hub.url}/#/stores/${NEW_STORE}/plan`);
    await page.getByRole('heading', { name: 'Floor plan — Browser store' }).waitFor();
    await page.getByLabel('Zone', { exact: true }).selectOption('fresh-corner');
    const plan = page.locator('svg[aria-label^="Floor plan of Browser store"]');
    const corner = (i: number) => plan.locator(`[data-vertex="${i}"]`);
    await corner(3).waitFor();
    await plan.scrollIntoViewIfNeeded();
    const box = (await plan.boundingBox())!;
    const at = (x: number, y: number) => {
      const pad = 20 * 0.02;
      const scale = box.width / (20 + 2 * pad);
      return { x: box.x + (pad + x) * scale, y: box.y + (pad + 10 - y) * scale };
    };
    const saveZone = async (): Promise<{ polygon: { x: number; y: number }[] }> => {
      const saved = page.waitForResponse(
        (r) => r.url().endsWith('/zones/fresh-corner') && r.request().method() === 'PUT',
      );
      await page.getByRole('button', { name: 'Save zone' }).click();
      expect((await saved).status()).toBe(200);
      return (await sut.get(`/api/stores/${NEW_STORE}/zones/fresh-corner`).expect(200)).body;
    };

    // Drag corner 3 (8, 6) to (10, 8): the corners field follows the plan.
    const from = (await corner(2).boundingBox())!;
    const to = at(10, 8);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() =>
      /(^|; )(9\.9|10|10\.1), (7\.9|8|8\.1)(;|$)/.test(
        (globalThis as any).document.querySelector('input[id][value*=";"]')?.value ?? '',
      ),
    );
    // Add a corner in the middle of the edge (8, 2)–(10, 8) from the keyboard, move it 1 m right.
    await plan.locator('[data-midpoint="1"]').focus();
    await page.keyboard.press('Enter');
    await corner(4).waitFor();
    await corner(2).focus();
    await page.keyboard.press('Shift+ArrowRight');
    let zone = await saveZone();
    expect(zone.polygon).toHaveLength(5);
    expect(zone.polygon[2]!.x).toBeCloseTo(10, 0);
    expect(zone.polygon[2]!.y).toBeCloseTo(5, 0);
    expect(zone.polygon[3]!.x).toBeCloseTo(10, 0);
    expect(zone.polygon[3]!.y).toBeCloseTo(8, 0);
    await screenshot(page, 'floor-plan-corners');
    await expectAccessible('floor-plan-corners');

    // Remove it again: a double click on the corner (Delete from the keyboard does the same).
    await corner(2).dblclick();
    await corner(4).waitFor({ state: 'detached' });
    // The page reloads the zones after a save; hold that reload until the next edit is made, as
    // a slow answer would: the reloaded zones must not wipe the edit made meanwhile.
    const zonesUrl = `**/api/stores/${NEW_STORE}/zones`;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(zonesUrl, async (route) => {
      if (route.request().method() === 'GET') await held;
      await route.continue();
    });
    const reloadAsked = page.waitForRequest(
      (r) => r.method() === 'GET' && r.url().endsWith(`/stores/${NEW_STORE}/zones`),
    );
    zone = await saveZone();
    expect(zone.polygon).toHaveLength(4);
    expect(zone.polygon[2]!.x).toBeCloseTo(10, 0);
    expect(zone.polygon[2]!.y).toBeCloseTo(8, 0);
    await reloadAsked;
    await corner(1).focus();
    await page.keyboard.press('Delete');
    await corner(3).waitFor({ state: 'detached' });
    const reloaded = page.waitForResponse(
      (r) => r.request().method() === 'GET' && r.url().endsWith(`/stores/${NEW_STORE}/zones`),
    );
    release();
    await reloaded;
    await page.unroute(zonesUrl);
    // Two frames: React has rendered what the reload set.
    await page.evaluate(() => {
      const frame = (globalThis as any).requestAnimationFrame as (f: () => void) => void;
      return new Promise<void>((resolve) => frame(() => frame(() => resolve())));
    });
    expect(await corner(3).count()).toBe(0);
    zone = await saveZone();
    expect(zone.polygon).toHaveLength(3);
  }, 60_000);

  it('switches tracking on only once the notice checklist is complete', async () => {
    await page.goto(`${sut.hub.url}/#/stores/${NEW_STORE}/policy`);
    await page.getByRole('heading', { name: 'Policy — Browser store' }).waitFor();
    await page.getByLabel('Tracking mode').selectOption('in-visit');
    await expect(page.getByTestId('notice-checklist').innerText()).resolves.toMatch(
      /Missing before tracking can be switched on \(8\)/,
    );
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('The API refused the policy').waitFor();
    await page
      .getByText(/notice\.controllerName/)
      .first()
      .waitFor();

    const notice: [string, string][] = [
      ['Controller (legal name)', 'Browser Retail GmbH'],
      ['Purpose', 'to count visitors and improve the store layout'],
      ['Signage text', 'This store counts visitors with Wi-Fi and Bluetooth sensors.'],
      ['Signage placement', 'at the entrance, at eye level'],
      ['Full notice URL', 'https://example.com/privacy'],
      ['Opt-out instructions', 'Submit your phone address at /opt-out or ask at the till.'],
      ['Retention statement', 'Device data is deleted after 24 hours; counts are kept.'],
      ['DPIA reference', 'DPIA-7'],
    ];
    for (const [label, value] of notice) {
      await page.getByLabel(label, { exact: true }).fill(value);
    }
    await page.getByText('The notice is complete: tracking can be switched on.').waitFor();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy saved.').waitFor();
    const store = (await sut.get(`/api/stores/${NEW_STORE}`).expect(200)).body;
    expect(store.policy.mode).toBe('in-visit');
    await page.getByTestId('policy-versions').getByText('in-visit').first().waitFor();
    await page
      .frameLocator('iframe[title="Public notice preview"]')
      .getByText('Browser Retail GmbH')
      .waitFor();
    await screenshot(page, 'policy');
    await expectAccessible('policy');
  }, 60_000);

  it('edits tracking hours and coupon rules as forms, with the API refusal at the field', async () => {
    // A sensitive zone: no coupon rule may name it.
    await sut
      .post(`/api/stores/${NEW_STORE}/zones`, {
        id: 'pharmacy',
        name: 'Pharmacy',
        tags: ['pharmacy'],
        polygon: [
          { x: 12, y: 1 },
          { x: 18, y: 1 },
          { x: 18, y: 4 },
          { x: 12, y: 4 },
        ],
      })
      .expect(201);
    await page.goto(`${sut.hub.url}/#/stores`);
    await page.goto(`${sut.hub.url}/#/stores/${NEW_STORE}/policy`);
    await page.getByRole('heading', { name: 'Policy — Browser store' }).waitFor();
    const save = async (): Promise<number> => {
      const patched = page.waitForResponse(
        (r) => r.url().endsWith(`/api/stores/${NEW_STORE}`) && r.request().method() === 'PATCH',
      );
      await page.getByRole('button', { name: 'Save policy' }).click();
      return (await patched).status();
    };

    // Tracking hours: one window Monday to Saturday, 08:00–21:30.
    await page.getByRole('button', { name: 'Add tracking window' }).click();
    await page.getByLabel('sat (Tracking window 1)').check();
    await page.getByLabel('Tracking window 1: to').fill('07:00');
    expect(await save()).toBe(400);
    // The API's message next to the field it names.
    const to = page.getByLabel('Tracking window 1: to');
    expect(await to.getAttribute('aria-invalid')).toBe('true');
    await page
      .getByText(/hours\[0\]\.to: must be after from \(08:00\)/)
      .first()
      .waitFor();
    await to.fill('21:30');

    // A coupon rule: 30 s in the fresh corner earns a coffee.
    await page.getByLabel('Offer coupons to consenting loyalty members').check();
    await page.getByLabel('Unsubscribe URL').fill('https://example.com/offers/stop');
    await page.getByRole('button', { name: 'Add coupon rule' }).click();
    await page.getByLabel('Rule 1: id').fill('fresh-coffee');
    await page
      .getByLabel('Rule 1: why the shopper gets it')
      .fill('You spent a while in our fresh corner');
    await page.getByLabel('Rule 1: trigger').selectOption('zone-dwell');
    await page.getByLabel('Rule 1: zone').selectOption('fresh-corner');
    await page.getByLabel('Rule 1: seconds in the zone').fill('30');
    await page.getByLabel('Rule 1: offer title').fill('A free coffee');
    await page.getByLabel('Rule 1: offer code').fill('COFFEE');
    expect(await save()).toBe(200);
    await page.getByText('Policy saved.').waitFor();
    const policy = (await sut.get(`/api/stores/${NEW_STORE}`).expect(200)).body.policy;
    expect(policy.hours).toEqual([
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '08:00', to: '21:30' },
    ]);
    expect(policy.coupons).toMatchObject({
      enabled: true,
      unsubscribeUrl: 'https://example.com/offers/stop',
      rules: [
        {
          id: 'fresh-coffee',
          enabled: true,
          why: 'You spent a while in our fresh corner',
          trigger: { type: 'zone-dwell', zoneId: 'fresh-corner', minDwellSeconds: 30 },
          offer: { title: 'A free coffee', code: 'COFFEE', validHours: 24 },
        },
      ],
    });

    // The same rule on the pharmacy: refused, and the refusal sits next to the zone field.
    await page.getByLabel('Rule 1: zone').selectOption('pharmacy');
    expect(await save()).toBe(400);
    const zoneField = page.getByLabel('Rule 1: zone');
    expect(await zoneField.getAttribute('aria-invalid')).toBe('true');
    const described = (await zoneField.getAttribute('aria-describedby')) ?? '';
    const messages = await Promise.all(
      described
        .split(' ')
        .filter(Boolean)
        .map((id) => page.locator(`[id="${id}"]`).innerText()),
    );
    expect(messages.join(' ')).toMatch(
      /coupons\.rules\[0\]\.trigger\.zoneId: is a sensitive zone \(pharmacy\)/,
    );
    await screenshot(page, 'policy-forms');
    await expectAccessible('policy-forms');
    expect(
      (await sut.get(`/api/stores/${NEW_STORE}`).expect(200)).body.policy.coupons.rules[0].trigger
        .zoneId,
    ).toBe('fresh-corner');
  }, 60_000);

  it("shows the demo store's positions moving, live over Server-Sent Events", async () => {
    await page.goto(`${sut.hub.url}/#/stores/demo/live`);
    await page.getByRole('heading', { name: /Live — Demo store/ }).waitFor();
    await page
      .getByText('0 people positioned')
      .or(page.getByText(/people positioned/))
      .waitFor();
    const positions = () =>
      page
        .locator('[data-testid="positions"] [data-position]')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-position')).join(' '));
    await simulate(20);
    await page.waitForFunction(
      () =>
        (globalThis as any).document.querySelectorAll('[data-testid="positions"] [data-position]')
          .length >= 3,
    );
    const before = await positions();
    await simulate(10);
    await page.waitForFunction(
      (previous) =>
        [
          ...(globalThis as any).document.querySelectorAll(
            '[data-testid="positions"] [data-position]',
          ),
        ]
          .map((n: any) => n.getAttribute('data-position'))
          .join(' ') !== previous,
      before,
    );
    expect(await positions()).not.toBe(before);
    await page.getByTestId('sensor-health').getByText('radio-1').waitFor();
    await page.getByLabel('Coverage (position error bound)').check();
    await page.getByText(/Coverage: green = small position error/).waitFor();
    await screenshot(page, 'live');
    await expectAccessible('live');
  }, 120_000);

  it("fills the demo store's charts and heatmap over a range and bucket", async () => {
    // Visits close after the gap: the validator's minimum keeps the run within seconds.
    const store = (await sut.get('/api/stores/demo').expect(200)).body;
    await sut
      .patch('/api/stores/demo', {
        policy: { ...store.policy, analytics: { ...store.policy.analytics, visitGapSeconds: 30 } },
      })
      .expect(200);
    await sut.hub.get(StoreDirectory).reload();
    await sut.hub.get(AggregationService).reload();
    await simulate(5 * 60);
    await sut.hub.get(AggregationService).tick();

    await page.goto(`${sut.hub.url}/#/stores/demo/analytics`);
    await page
      .getByRole('textbox', { name: 'From', exact: true })
      .fill(new Date(T0 - 3_600_000).toISOString());
    await page
      .getByRole('textbox', { name: 'To', exact: true })
      .fill(new Date(clock.now() + 3_600_000).toISOString());
    await page.getByLabel('Bucket').selectOption('1h');
    await page.getByRole('button', { name: 'Show' }).click();
    for (const metric of ['footfall-in', 'visits', 'passers-by', 'dwell', 'transitions', 'paths']) {
      await page.locator(`[data-metric="${metric}"]:not([data-points="0"])`).waitFor();
    }
    await page.locator('[data-metric="visits"] .recharts-bar-rectangle').first().waitFor();
    const download = page.waitForEvent('download');
    await page.locator('[data-metric="visits"]').getByRole('button', { name: /CSV/ }).click();
    const csv = await download;
    expect(csv.suggestedFilename()).toBe('demo-visits.csv');
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(await csv.path(), 'utf8')).split('\n').length).toBeGreaterThan(1);
    await page
      .getByTestId('heatmap')
      .getByText(/dwell per cell/)
      .waitFor();
    await screenshot(page, 'analytics');
    await expectAccessible('analytics');
  }, 240_000);

  it('creates a webhook, shows its secret once, test-sends and lists the attempt', async () => {
    await page.goto(`${sut.hub.url}/#/webhooks`);
    await page.getByLabel('Endpoint URL (HTTPS)').fill(receiver.url);
    await page.getByLabel('Description').fill('Browser receiver');
    await page.getByLabel('sensor.online').check();
    await page.getByRole('button', { name: 'Create subscription' }).click();
    const secret = await page.getByTestId('webhook-secret').innerText();
    expect(secret).toMatch(/^whsec_/);
    const card = page.locator('[data-webhook]').filter({ hasText: 'Browser receiver' });
    await card.getByRole('button', { name: 'Send test' }).click();
    await card.getByText(/Test sent: delivered/).waitFor();
    await card.getByTestId('attempts').getByText('204').first().waitFor();
    expect(receiver.received.length).toBeGreaterThan(0);
    await screenshot(page, 'webhooks');
    await expectAccessible('webhooks');
    // Shown once: after a reload the secret is gone from the page.
    await page.reload();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
  }, 60_000);

  it('rotates a secret (shown once), disables, replays one message and all failed since a time', async () => {
    await page.goto(`${sut.hub.url}/#/webhooks`);
    const first = page.locator('[data-webhook]').filter({ hasText: 'Browser receiver' });
    const firstId = (await first.getAttribute('data-webhook'))!;
    // Rotate: a new secret, shown once.
    await first.getByRole('button', { name: 'Rotate secret' }).click();
    await first.getByText(/Secret rotated; the old one signs until/).waitFor();
    const rotated = await page.getByTestId('webhook-secret').innerText();
    expect(rotated).toMatch(/^whsec_/);
    await page.reload();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    // Disable: the API agrees.
    await first.getByRole('button', { name: 'Disable' }).click();
    await first.getByText('disabled', { exact: true }).waitFor();
    expect((await sut.get(`/api/webhooks/${firstId}`).expect(200)).body.enabled).toBe(false);

    // A receiver that answers 410 Gone: its message fails at once and the endpoint is disabled.
    receiver.reply = (_req, res) => void res.writeHead(410).end();
    await page.getByLabel('Endpoint URL (HTTPS)').fill(receiver.url);
    await page.getByLabel('Description').fill('Gone receiver');
    await page.getByLabel('zone.entered').check();
    await page.getByRole('button', { name: 'Create subscription' }).click();
    await page.getByTestId('webhook-secret').waitFor();
    const card = page.locator('[data-webhook]').filter({ hasText: 'Gone receiver' });
    const id = (await card.getAttribute('data-webhook'))!;
    type Message = { id: string; status: string; createdAt: string };
    const messages = async (): Promise<Message[]> =>
      (await sut.get(`/api/webhooks/${id}/messages`).expect(200)).body as Message[];
    /** Waits (on the API, a bounded number of looks) until a message has `status`. */
    const until = async (
      predicate: (list: Message[]) => Message | undefined,
      what: string,
      step?: () => Promise<void>,
    ): Promise<Message> => {
      for (let i = 0; i < 200; i += 1) {
        const hit = predicate(await messages());
        if (hit) return hit;
        if (step) await step();
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`webhook ${id}: ${what} never happened`);
    };
    const failedAfter = (known: string[]): Promise<Message> =>
      until(
        (list) => list.find((m) => m.status === 'failed' && !known.includes(m.id)),
        'a new failed message',
        () => simulate(1),
      );
    /** The receiver said 410 Gone: the endpoint is disabled along with that failure. */
    const disabled = async (): Promise<void> => {
      for (let i = 0; i < 200; i += 1) {
        if (!(await sut.get(`/api/webhooks/${id}`).expect(200)).body.enabled) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`webhook ${id} was not disabled`);
    };
    const failed = await failedAfter([]);
    await disabled();

    // The receiver is back: replay that one message, enable, and it is delivered.
    receiver.reply = (_req, res) => void res.writeHead(204).end();
    await page.reload();
    await card.getByRole('button', { name: 'Deliveries' }).click();
    await card.getByRole('button', { name: `Replay message ${failed.id}` }).click();
    await card.getByText(`Message ${failed.id} queued again`).waitFor();
    await card.getByRole('button', { name: 'Enable' }).click();
    await card.getByText('Enabled', { exact: true }).waitFor();
    await until(
      (list) => list.find((m) => m.id === failed.id && m.status === 'delivered'),
      `replayed ${failed.id} delivered`,
    );

    // Gone again: more failures; then every failed one since a time goes out again.
    // (Deliveries run concurrently: other messages may have failed with the first one.)
    const known = (await messages()).filter((m) => m.status === 'failed').map((m) => m.id);
    receiver.reply = (_req, res) => void res.writeHead(410).end();
    const again = await failedAfter([...known, failed.id]);
    await disabled();
    receiver.reply = (_req, res) => void res.writeHead(204).end();
    await page.reload();
    await card.getByRole('button', { name: 'Deliveries' }).click();
    await card
      .getByLabel('Replay every failed message since')
      .fill(new Date(T0 - 60_000).toISOString());
    await card.getByRole('button', { name: 'Replay failed' }).click();
    await card.getByText(/^[1-9]\d* failed messages queued again$/).waitFor();
    await card.getByRole('button', { name: 'Enable' }).click();
    await card.getByText('Enabled', { exact: true }).waitFor();
    await until(
      (list) => list.find((m) => m.id === again.id && m.status === 'delivered'),
      `replayed ${again.id} delivered`,
    );
    expect((await messages()).filter((m) => m.status === 'failed')).toEqual([]);
    await card.getByTestId('attempts').getByText('410').first().waitFor();
    await screenshot(page, 'webhooks-deliveries');
    await expectAccessible('webhooks-deliveries');
  }, 180_000);

  it('shows the privacy desk and the plugins with their sensors', async () => {
    const kept = (
      await sut
        .post('/api/members', {
          appIdentity: 'app-user-kept',
          consents: ['analytics-linking', 'marketing'],
        })
        .expect(201)
    ).body.id as string;
    await sut.delete(`/api/members/${kept}/consents/marketing`).expect(200);
    const leaving = (
      await sut
        .post('/api/members', { appIdentity: 'app-user-leaving', consents: ['marketing'] })
        .expect(201)
    ).body.id as string;
    await page.goto(`${sut.hub.url}/#/stores/demo/privacy`);
    await page.getByTestId('opt-out-size').getByText(/^\d+$/).waitFor();
    await page.getByTestId('audit').waitFor();
    // The admin's members desk: consent scopes with their timestamps.
    const desk = page.getByTestId('members');
    const keptRow = desk.locator(`[data-member="${kept}"]`);
    await keptRow
      .locator('[data-scope="analytics-linking"]')
      .getByText(/^given /)
      .waitFor();
    await keptRow
      .locator('[data-scope="marketing"]')
      .getByText(/^withdrawn .*\(given /)
      .waitFor();
    // Export: a JSON download of everything held.
    const download = page.waitForEvent('download');
    await desk.getByRole('button', { name: 'Export data of app-user-leaving' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`member-${leaving}.json`);
    const { readFile } = await import('node:fs/promises');
    const exported = JSON.parse(await readFile(await file.path(), 'utf8')) as {
      member: { id: string; consents: string[] };
    };
    expect(exported.member).toMatchObject({ id: leaving, consents: ['marketing'] });
    // Erase, from the keyboard, only after the confirmation dialog.
    await desk.getByRole('button', { name: 'Erase app-user-leaving' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Erase app-user-leaving?' });
    await dialog.waitFor();
    await expectAccessible('privacy-erase-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await sut.get(`/api/members/${leaving}`).expect(200)).body.id).toBe(leaving);
    await desk.getByRole('button', { name: 'Erase app-user-leaving' }).click();
    await dialog.getByRole('button', { name: 'Erase for good' }).click();
    await desk.getByText('Erased app-user-leaving and everything held about them.').waitFor();
    await desk.locator(`[data-member="${leaving}"]`).waitFor({ state: 'detached' });
    await sut.get(`/api/members/${leaving}`).expect(404);
    // The audit entries of those requests, on the desk and in the hub-wide log.
    const requests = page.getByTestId('member-requests');
    await requests.getByRole('row').filter({ hasText: 'member.erased' }).waitFor();
    await requests.getByRole('row').filter({ hasText: 'member.exported' }).waitFor();
    await page
      .getByTestId('audit')
      .getByRole('row')
      .filter({ hasText: 'member.erased' })
      .filter({ hasText: `member:${leaving}` })
      .waitFor();
    await screenshot(page, 'privacy');
    await expectAccessible('privacy');
    await page.goto(`${sut.hub.url}/#/plugins`);
    await page.locator('[data-plugin="aisle-mqtt"]').getByText('radio-1').waitFor();
    await screenshot(page, 'plugins');
    await expectAccessible('plugins');
  }, 60_000);

  it("pages through the admin's member list", async () => {
    for (let i = 0; i < 25; i += 1) {
      await sut
        .post('/api/members', { appIdentity: `app-user-page-${String(i).padStart(2, '0')}` })
        .expect(201);
    }
    const total = (await sut.get('/api/members?limit=1').expect(200)).body.total as number;
    expect(total).toBeGreaterThanOrEqual(25);
    await page.goto(`${sut.hub.url}/#/stores/demo/privacy`);
    const desk = page.getByTestId('members');
    await desk.getByLabel('Members per page').selectOption('10');
    const paging = desk.getByTestId('members-paging');
    await paging.getByText(`Members 1–10 of ${total} (newest first)`).waitFor();
    // Newest first: the last one registered heads page 1.
    await desk.getByText('app-user-page-24').waitFor();
    await paging.getByRole('button', { name: 'Next page' }).click();
    await paging.getByText(`Members 11–20 of ${total} (newest first)`).waitFor();
    await desk.getByText('app-user-page-14').waitFor();
    expect(await desk.getByText('app-user-page-24').count()).toBe(0);
    const rows = await desk.locator('[data-member]').count();
    expect(rows).toBe(10);
    await paging.getByRole('button', { name: 'Previous page' }).click();
    await paging.getByText(`Members 1–10 of ${total} (newest first)`).waitFor();
    expect(await paging.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
    await expectAccessible('privacy-paging');
  }, 60_000);

  it('limits a store-manager to their store: no other store, nothing the API would refuse', async () => {
    const key = (
      await sut
        .post('/api/keys', { name: 'manager', role: 'store-manager', storeIds: [NEW_STORE] })
        .expect(201)
    ).body.key as string;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(key);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Floor plan' }).waitFor();
    const links = await nav.getByRole('link').allInnerTexts();
    expect(links).toEqual(
      expect.arrayContaining(['Stores', 'Floor plan', 'Live', 'Analytics', 'Policy']),
    );
    expect(links).not.toContain('Webhooks');
    const stores = await page.getByLabel('Store').locator('option').allInnerTexts();
    expect(stores).toEqual(['Browser store']);
    await page.getByRole('link', { name: 'Stores' }).click();
    await page.getByRole('link', { name: 'Browser store' }).waitFor();
    expect(await page.getByRole('link', { name: 'Demo store (simulated)' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New store' }).count()).toBe(0);
    // The members desk is for admins: the privacy desk offers a store-manager none of it.
    await page.goto(`${sut.hub.url}/#/stores/${NEW_STORE}/privacy`);
    await page.getByRole('heading', { name: 'Privacy desk' }).waitFor();
    await page.getByTestId('opt-out-size').getByText(/^\d+$/).waitFor();
    expect(await page.getByTestId('members').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Erase / }).count()).toBe(0);
    await page.goto(`${sut.hub.url}/#/stores/demo/live`);
    await page.getByText('This key may not see store “demo”.').waitFor();
    // And the API agrees.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/stores/demo', {
        headers: {
          authorization: `Bearer ${(globalThis as any).sessionStorage.getItem('aisle.apiKey')}`,
        },
      });
      return res.status;
    });
    expect(status).toBe(403);
    await expectAccessible('store-manager');
    expect(errors).toEqual([]);
  }, 60_000);

  it('gives the public notice and opt-out pages the same look, with no JavaScript at all', async () => {
    for (const [path, name, heading] of [
      ['/notice/demo', 'notice', /Sensors in Demo store/],
      ['/opt-out', 'opt-out', /Opt out of in-store sensors/],
    ] as const) {
      const response = await page.goto(`${sut.hub.url}${path}`);
      const html = await response!.text();
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain('class="bar"');
      await page.getByRole('heading', { name: heading }).waitFor();
      await screenshot(page, name);
      await expectAccessible(name);
    }
    await page.getByLabel('Device address').waitFor();
  }, 60_000);

  it('has no serious or critical accessibility violation on any page (axe-core)', () => {
    expect(Object.keys(accessibility).sort()).toEqual(
      [
        'analytics',
        'floor-plan',
        'floor-plan-corners',
        'live',
        'notice',
        'opt-out',
        'plugins',
        'policy',
        'policy-forms',
        'privacy',
        'privacy-erase-dialog',
        'privacy-paging',
        'sign-in',
        'store-manager',
        'stores',
        'webhooks',
        'webhooks-deliveries',
      ].sort(),
    );
    const failing = Object.entries(accessibility).filter(([, v]) => v.length > 0);
    expect(failing).toEqual([]);
  });
});
