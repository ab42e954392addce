import { AllowList, blockedAddressReason, endpointUrlProblem } from './ssrf.js';

describe(endpointUrlProblem.name, () => {
  const none = new AllowList();
  const resolveTo =
    (...addresses: string[]) =>
    (): Promise<string[]> =>
      Promise.resolve(addresses);

  it('classifies private, loopback and link-local addresses (v4, v6 and mapped)', () => {
    expect(blockedAddressReason('127.0.0.1')).toBe('loopback');
    expect(blockedAddressReason('10.1.2.3')).toBe('private');
    expect(blockedAddressReason('172.20.0.1')).toBe('private');
    expect(blockedAddressReason('192.168.1.1')).toBe('private');
    expect(blockedAddressReason('169.254.169.254')).toBe('link-local');
    expect(blockedAddressReason('::1')).toBe('loopback');
    expect(blockedAddressReason('fe80::1')).toBe('link-local');
    expect(blockedAddressReason('fd00::1')).toMatch(/private/);
    expect(blockedAddressReason('::ffff:127.0.0.1')).toBe('loopback');
    expect(blockedAddressReason('::ffff:7f00:1')).toBe('loopback');
    expect(blockedAddressReason('93.184.216.34')).toBeNull();
    expect(blockedAddressReason('2606:2800:220:1::1')).toBeNull();
  });

  it('requires https unless the host is allow-listed', async () => {
    expect(
      await endpointUrlProblem('http://hooks.example.com/x', {
        allow: none,
        resolve: resolveTo('93.184.216.34'),
      }),
    ).toMatch(/https/);
    expect(
      await endpointUrlProblem('https://hooks.example.com/x', {
        allow: none,
        resolve: resolveTo('93.184.216.34'),
      }),
    ).toBeNull();
    expect(await endpointUrlProblem('ftp://x/y', { allow: none })).toMatch(/https/);
    expect(await endpointUrlProblem('https://u:p@hooks.example.com/', { allow: none })).toMatch(
      /credentials/,
    );
  });

  it('checks every address a name resolves to', async () => {
    const problem = await endpointUrlProblem('https://rebind.example/x', {
      allow: none,
      resolve: resolveTo('93.184.216.34', '10.0.0.5'),
    });
    expect(problem).toMatch(/10\.0\.0\.5, a private address/);
    expect(await endpointUrlProblem('https://127.0.0.1/x', { allow: none })).toMatch(/loopback/);
    expect(await endpointUrlProblem('https://[::1]/x', { allow: none })).toMatch(/loopback/);
  });

  it('lets an allow-listed host through (tests allow-list loopback only)', async () => {
    const allow = AllowList.parse('127.0.0.1');
    expect(await endpointUrlProblem('http://127.0.0.1:9999/x', { allow })).toBeNull();
    expect(await endpointUrlProblem('http://localhost:9999/x', { allow })).toMatch(/https/);
  });
});
