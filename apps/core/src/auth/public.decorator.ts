import { SetMetadata } from '@nestjs/common';

/** Metadata key read by `ApiKeyGuard`. */
export const IS_PUBLIC_KEY = 'aisle:public';

/** Marks a route (or a whole controller) as reachable without an API key. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
