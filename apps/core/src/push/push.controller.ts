import { All, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { ANY_CONTENT_TYPE, AcceptsContentTypes } from '../http/content-type.guard.js';
import { PushRegistry } from './push-registry.js';

type RawRequest = Request & { rawBody?: Buffer };

function firstValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return firstValue(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Devices and vendor clouds push here; the driver that registered the route authenticates the
 * request (each has its own device secret), so the route is public to API keys.
 */
@ApiExcludeController()
@Controller('push')
export class PushController {
  constructor(@Inject(PushRegistry) private readonly registry: PushRegistry) {}

  @Public()
  @AcceptsContentTypes(ANY_CONTENT_TYPE)
  @All(':domain/:storeId/:sensorId/*path')
  async handle(
    @Param('domain') domain: string,
    @Param('storeId') storeId: string,
    @Param('sensorId') sensorId: string,
    @Req() req: RawRequest,
    @Res() res: Response,
  ): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.status(405).json({ statusCode: 405, message: 'only GET and POST are accepted' });
      return;
    }
    const rest = req.path.split('/').slice(5).join('/');
    const body =
      req.rawBody ??
      (Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(typeof req.body === 'string' ? req.body : ''));
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = firstValue(value);
    const query: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.query)) query[name] = firstValue(value);
    const response = await this.registry.dispatch(`${domain}/${storeId}/${sensorId}/${rest}`, {
      method: req.method,
      path: rest,
      headers,
      query,
      body,
    });
    res.status(response.status);
    if (response.contentType) res.type(response.contentType);
    if (response.body === undefined) res.end();
    else if (typeof response.body === 'string') res.send(response.body);
    else res.json(response.body);
  }
}
