import type { HttpPushPort, PushRequest, PushResponse, PushRoute } from '@aisle/sdk';

/** Public mount point of push routes: `/push/<domain>/<storeId>/<sensorId>/<path>`. */
export const PUSH_PREFIX = '/push';

/**
 * Routes that drivers register through their HttpPushPort. Each driver instance gets a port
 * scoped to its own `<domain>/<storeId>/<sensorId>` prefix, so plugins cannot shadow each other.
 */
export class PushRegistry {
  private readonly routes = new Map<string, PushRoute>();

  portFor(
    domain: string,
    storeId: string,
    sensorId: string,
  ): { port: HttpPushPort; cleanup: () => void } {
    const scope = `${domain}/${storeId}/${sensorId}`;
    const owned = new Set<string>();
    const port: HttpPushPort = {
      route: (route) => {
        const path = route.path.replace(/^\/+|\/+$/g, '');
        const key = `${route.method} ${scope}/${path}`;
        this.routes.set(key, route);
        owned.add(key);
        return {
          path: `${PUSH_PREFIX}/${scope}/${path}`,
          unregister: () => {
            this.routes.delete(key);
            owned.delete(key);
          },
        };
      },
    };
    return {
      port,
      cleanup: () => {
        for (const key of owned) this.routes.delete(key);
        owned.clear();
      },
    };
  }

  async dispatch(scopePath: string, request: PushRequest): Promise<PushResponse> {
    const route = this.routes.get(`${request.method} ${scopePath.replace(/^\/+|\/+$/g, '')}`);
    if (!route) return { status: 404, body: { statusCode: 404, message: 'no push route here' } };
    return route.handle(request);
  }

  get size(): number {
    return this.routes.size;
  }
}
