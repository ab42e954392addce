import { join } from 'node:path';
import request from 'supertest';
import { REPO_ROOT } from '@aisle/core';
import { LiveSumDevice } from '../support/live-sum-device.js';
import { trackingPolicy } from '../support/policies.js';
import { eventually, startTestHub, type TestHub } from '../support/test-hub.js';

const PASSWORD = 'poll-pw-e2e-5be1d0c3';
const TOKEN = 'push-token-e2e-0a9f33c6d2';

/**
 * Secrets of a real plugin (camera-counter's `pollPassword` and `pushToken`) through the whole hub:
 * the driver works with the real values, the API shows `***` and takes it back as "unchanged",
 * and neither value reaches a response, a log line or an event.
 */
describe('sensor secrets through the hub', () => {
  let sut: TestHub;
  let device: LiveSumDevice;
  let pollUrl: string;
  const storeId = `secrets-${process.pid}-${Date.now().toString(36)}`;
  const sensors = `/api/stores/${storeId}/sensors`;
  const responses: string[] = [];
  const keep = (res: request.Response): request.Response => {
    responses.push(res.text);
    return res;
  };
  const running = async (id: string): Promise<boolean> => {
    const res = await sut.get('/api/plugins/camera-counter');
    responses.push(res.text);
    const states = res.body.sensors as { sensorId: string; status: string }[] | undefined;
    return states?.some((s) => s.sensorId === id && s.status === 'running') ?? false;
  };
  const addCamera = async (id: string, config: object, status = 201) =>
    keep(
      await sut.post(sensors, { id, domain: 'camera-counter', x: 1, y: 1, config }).expect(status),
    );
  const push = (lineReport: object) =>
    request(sut.hub.url)
      .post(`/push/camera-counter/${storeId}/cam-push/counts`)
      .set('Authorization', `Bearer ${TOKEN}`)
      .send(lineReport);

  beforeAll(async () => {
    device = new LiveSumDevice({ basicAuth: `counter:${PASSWORD}` });
    pollUrl = await device.listen();
    sut = await startTestHub({ pluginDirs: [join(REPO_ROOT, 'plugins')] });
    await sut
      .post('/api/stores', {
        id: storeId,
        name: 'Secrets store',
        timezone: 'UTC',
        width: 30,
        height: 20,
        policy: trackingPolicy('in-visit'),
      })
      .expect(201);
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
    await device?.close();
  });

  it('polls with the real password while the API only ever shows the mask', async () => {
    const created = await addCamera('cam-poll', {
      source: 'poll',
      pollUrl,
      pollUsername: 'counter',
      pollPassword: PASSWORD,
      pollIntervalSeconds: 1,
      lineId: 'side-door',
    });
    expect(created.body.config).toMatchObject({ pollUsername: 'counter', pollPassword: '***' });
    await eventually('an authorised poll', () => device.served >= 1);
    expect(device.refused).toBe(0);

    // Read, change one field, write back: the mask keeps the password, the driver restarts with it.
    const current = keep(await sut.get(`${sensors}/cam-poll`).expect(200));
    expect(current.body.config.pollPassword).toBe('***');
    const patched = keep(
      await sut
        .patch(`${sensors}/cam-poll`, { config: { ...current.body.config, lineId: 'back-door' } })
        .expect(200),
    );
    expect(patched.body.config).toMatchObject({ lineId: 'back-door', pollPassword: '***' });
    const before = device.served;
    await eventually('the restarted driver to poll again', () => device.served > before);
    expect(device.refused).toBe(0);
    keep(await sut.get(sensors).expect(200));
  });

  it('takes pushes with the real token, before and after a masked PATCH', async () => {
    const created = await addCamera('cam-push', {
      source: 'push',
      pushToken: TOKEN,
      lineId: 'entrance',
    });
    expect(created.body.config.pushToken).toBe('***');
    await eventually('the push sensor to run', () => running('cam-push'));
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const report = (at: number) => ({ timestamp: new Date(at).toISOString(), in: 2, out: 1 });
    await push(report(minute)).expect(202);

    const current = keep(await sut.get(`${sensors}/cam-push`).expect(200));
    keep(
      await sut
        .patch(`${sensors}/cam-push`, { config: { ...current.body.config, intervalSeconds: 30 } })
        .expect(200),
    );
    await eventually('the patched push sensor to accept the token', async () => {
      const res = await push(report(minute - 60_000));
      return res.status === 202;
    });
  });

  it('does not quote a bad secret back in the validation error', async () => {
    const res = await addCamera(
      'cam-bad',
      { source: 'poll', pollUrl, pollPassword: PASSWORD.repeat(20) },
      400,
    );
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'config.pollPassword', value: '***' }),
    ]);
  });

  it('lets neither secret reach a response, a log line or an event', () => {
    const everything = [...responses, ...sut.logs, JSON.stringify(sut.events)].join('\n');
    expect(responses.length).toBeGreaterThan(5);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(TOKEN);
  });
});
