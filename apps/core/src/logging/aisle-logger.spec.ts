import { AisleNestLogger, createRootLogger, pluginLogger } from './aisle-logger.js';

describe(createRootLogger.name, () => {
  it('redacts MAC addresses in every notation from messages and fields, whoever logs', () => {
    const lines: string[] = [];
    const sut = createRootLogger({
      level: 'debug',
      destination: { write: (line: string) => void lines.push(line) },
    });
    sut.info({ device: 'AA-BB-CC-DD-EE-FF' }, 'saw aa:bb:cc:dd:ee:ff');
    pluginLogger(sut, { plugin: 'x' }).warn('bad frame from aabb.ccdd.eeff', {
      raw: 'aabbccddeeff',
    });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.toLowerCase()).not.toMatch(/aa.?bb.?cc.?dd.?ee.?ff/);
    expect(lines[0]).toContain('[redacted-mac]');
    expect(JSON.parse(lines[1]!)).toMatchObject({
      plugin: 'x',
      msg: 'bad frame from [redacted-mac]',
    });
  });
});

describe(AisleNestLogger.name, () => {
  it('logs Nest’s per-route and per-module start-up lines at debug, so the admin key stays in view', () => {
    const lines: string[] = [];
    const root = createRootLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const sut = new AisleNestLogger(root);
    sut.log('Mapped {/api/stores, GET} route', 'RouterExplorer');
    sut.log('StoresController {/api/stores}:', 'RoutesResolver');
    sut.log('HubModule dependencies initialized', 'InstanceLoader');
    sut.log('Nest application successfully started', 'NestApplication');
    expect(lines).toEqual([]);
    sut.log('something worth reading', 'Webhooks');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'something worth reading',
    ]);
  });
});
