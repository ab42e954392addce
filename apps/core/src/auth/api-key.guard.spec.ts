import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyGuard, presentedApiKey } from './api-key.guard.js';
import type { ApiKeyService, VerifyResult } from './api-key.service.js';
import type { AuthenticatedRequest } from './principal.js';
import { Public } from './public.decorator.js';
import { Roles } from './roles.decorator.js';

const KEYS: Record<string, VerifyResult> = {
  admin: { ok: true, principal: { keyId: 'k0', role: 'admin', storeIds: [] } },
  manager: { ok: true, principal: { keyId: 'k1', role: 'store-manager', storeIds: ['a'] } },
  revoked: { ok: false, reason: 'revoked' },
};

class FakeKeys {
  async verify(key: string): Promise<VerifyResult> {
    return KEYS[key] ?? { ok: false, reason: key.startsWith('ak_') ? 'invalid' : 'malformed' };
  }
}

class Routes {
  @Public()
  health(): void {}

  @Roles('store-manager')
  store(): void {}

  admin(): void {}
}

function context(
  handler: keyof Routes,
  request: Partial<AuthenticatedRequest>,
  type = 'http',
): ExecutionContext {
  return {
    getType: () => type,
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({
      getRequest: () =>
        Object.assign(request, { headers: request.headers ?? {}, params: request.params ?? {} }),
    }),
  } as unknown as ExecutionContext;
}

describe(ApiKeyGuard.name, () => {
  const sut = new ApiKeyGuard(new Reflector(), new FakeKeys() as unknown as ApiKeyService);

  it('lets public routes and non-HTTP contexts through without a key', async () => {
    await expect(sut.canActivate(context('health', {}))).resolves.toBe(true);
    await expect(sut.canActivate(context('admin', {}, 'rpc'))).resolves.toBe(true);
  });

  it('refuses a missing, malformed, unknown or revoked key with 401', async () => {
    await expect(sut.canActivate(context('store', {}))).rejects.toThrow(
      new UnauthorizedException(
        'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"',
      ),
    );
    for (const [key, message] of [
      ['nonsense', /malformed/],
      ['ak_unknown', /invalid API key/],
      ['revoked', /revoked/],
    ] as const) {
      const request = { headers: { authorization: `Bearer ${key}` } };
      await expect(sut.canActivate(context('store', request))).rejects.toThrow(message);
    }
  });

  it('records the principal and checks the role and the store', async () => {
    const request: Partial<AuthenticatedRequest> = {
      headers: { 'x-api-key': 'manager' },
      params: { storeId: 'a' },
    };
    await expect(sut.canActivate(context('store', request))).resolves.toBe(true);
    expect(request.principal).toEqual({ keyId: 'k1', role: 'store-manager', storeIds: ['a'] });

    await expect(
      sut.canActivate(
        context('store', { headers: { 'x-api-key': 'manager' }, params: { storeId: 'b' } }),
      ),
    ).rejects.toThrow(ForbiddenException);
    await expect(
      sut.canActivate(
        context('store', { headers: { 'x-api-key': 'manager' }, body: { storeId: 'b' } }),
      ),
    ).rejects.toThrow(/may not access store "b"/);
    await expect(
      sut.canActivate(context('admin', { headers: { 'x-api-key': 'manager' } })),
    ).rejects.toThrow(/needs role admin/);
  });

  it('lets admin do everything', async () => {
    const request = { headers: { authorization: 'Bearer admin' }, params: { storeId: 'zzz' } };
    await expect(sut.canActivate(context('admin', request))).resolves.toBe(true);
    await expect(sut.canActivate(context('store', request))).resolves.toBe(true);
  });
});

describe('presentedApiKey', () => {
  it('reads Bearer (any case) or x-api-key', () => {
    expect(presentedApiKey({ authorization: 'bearer abc' })).toBe('abc');
    expect(presentedApiKey({ 'x-api-key': ' abc ' })).toBe('abc');
    expect(presentedApiKey({ authorization: 'Basic xyz' })).toBeUndefined();
    expect(presentedApiKey({})).toBeUndefined();
  });
});
