import { PushRegistry } from './push-registry.js';

const request = { headers: {}, query: {}, body: Buffer.from('{}') };

describe(PushRegistry.name, () => {
  it('scopes routes per plugin, store and sensor and removes them at cleanup', async () => {
    const sut = new PushRegistry();
    const a = sut.portFor('camera-counter', 'store-1', 'cam-1');
    const b = sut.portFor('camera-counter', 'store-1', 'cam-2');
    const { path } = a.port.route({
      method: 'POST',
      path: '/counts',
      handle: () => ({ status: 202, body: { from: 'cam-1' } }),
    });
    b.port.route({
      method: 'POST',
      path: 'counts',
      handle: () => ({ status: 202, body: { from: 'cam-2' } }),
    });
    expect(path).toBe('/push/camera-counter/store-1/cam-1/counts');
    expect(
      await sut.dispatch('camera-counter/store-1/cam-1/counts', {
        ...request,
        method: 'POST',
        path: 'counts',
      }),
    ).toEqual({
      status: 202,
      body: { from: 'cam-1' },
    });
    expect(
      (
        await sut.dispatch('camera-counter/store-1/cam-1/counts', {
          ...request,
          method: 'GET',
          path: 'counts',
        })
      ).status,
    ).toBe(404);
    a.cleanup();
    expect(
      (
        await sut.dispatch('camera-counter/store-1/cam-1/counts', {
          ...request,
          method: 'POST',
          path: 'counts',
        })
      ).status,
    ).toBe(404);
    expect(sut.size).toBe(1);
  });
});
