import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiRole } from '@aisle/persistence';
import { ApiKeyService } from './api-key.service.js';
import type { AuthenticatedRequest } from './principal.js';
import { IS_PUBLIC_KEY } from './public.decorator.js';
import { ROLES_KEY } from './roles.decorator.js';
import { checkRole, checkStoreAccess, requestedStoreIds } from './store-access.js';

/** Reads the key from `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedApiKey(headers: AuthenticatedRequest['headers']): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const header = headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() || undefined;
}

/**
 * Global guard (registered by `AuthModule`): every HTTP route needs a valid, unrevoked API key
 * unless marked `@Public()`; then the key's role must be allowed by `@Roles(...)` (admin always
 * is; no `@Roles` means admin only), and a scoped key may only name its own stores (`:storeId`
 * in the path or `storeId` in the body). The principal is recorded as `req.principal`.
 * Non-HTTP contexts (MQTT/NATS message handlers) are not API-key authenticated.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyService) private readonly keys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = presentedApiKey(request.headers);
    if (!presented) {
      throw new UnauthorizedException(
        'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"',
      );
    }
    const result = await this.keys.verify(presented);
    if (!result.ok) {
      switch (result.reason) {
        case 'malformed':
          throw new UnauthorizedException('malformed API key: expected ak_<id>.<secret>');
        case 'invalid':
          throw new UnauthorizedException('invalid API key');
        case 'revoked':
          throw new UnauthorizedException('this API key has been revoked');
      }
    }
    const principal = result.principal;
    request.principal = principal;

    // Store first: a key learns nothing about what it could do in a store that is not its own.
    const stores = checkStoreAccess(principal, requestedStoreIds(request));
    if (!stores.allowed) throw new ForbiddenException(stores.message);
    const roles = this.reflector.getAllAndOverride<ApiRole[] | undefined>(ROLES_KEY, targets);
    const role = checkRole(principal, roles);
    if (!role.allowed) throw new ForbiddenException(role.message);
    return true;
  }
}
