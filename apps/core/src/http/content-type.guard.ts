import {
  SetMetadata,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';

const CONTENT_TYPES_KEY = 'aisle:content-types';
/** `@AcceptsContentTypes('*')`: any body (device push routes parse their own). */
export const ANY_CONTENT_TYPE = '*';
/** What a route takes unless it says otherwise. */
export const DEFAULT_CONTENT_TYPES: readonly string[] = ['application/json'];
/** RFC 7396's media type: PATCH routes take it too (their bodies merge into what is stored). */
export const MERGE_PATCH_JSON = 'application/merge-patch+json';

/** The media types a route's request body may have (default `application/json`). */
export const AcceptsContentTypes = (...types: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(CONTENT_TYPES_KEY, types);

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Global guard: a request body in a media type the route does not take is a 415 naming the one
 * it does (`application/json`), instead of a 400 that lists every field as "got nothing" because
 * the JSON parser never read the body. Requests without a body pass.
 */
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (!hasBody(req)) return true;
    const accepted =
      this.reflector.getAllAndOverride<string[] | undefined>(CONTENT_TYPES_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ??
      (req.method === 'PATCH'
        ? [...DEFAULT_CONTENT_TYPES, MERGE_PATCH_JSON]
        : DEFAULT_CONTENT_TYPES);
    if (accepted.includes(ANY_CONTENT_TYPE)) return true;
    const sent = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (accepted.includes(sent)) return true;
    throw new UnsupportedMediaTypeException({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: `send the body as ${accepted.join(' or ')} (got ${sent === '' ? 'no Content-Type' : sent})`,
    });
  }
}
