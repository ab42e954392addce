import { SetMetadata } from '@nestjs/common';
import type { ApiRole } from '@aisle/persistence';

/** Metadata key read by `ApiKeyGuard`. */
export const ROLES_KEY = 'aisle:roles';

/**
 * Roles (besides `admin`, which may do everything) allowed on a route or controller. A route with
 * no `@Roles` and no `@Public` is admin-only: forgetting the decorator fails closed.
 */
export const Roles = (...roles: ApiRole[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);
