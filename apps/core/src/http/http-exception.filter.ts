import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ECHO_MAX_CHARS, capEcho } from '@aisle/sdk';

/** Runs of non-space characters longer than the echo cap: ids, paths and values a client sent. */
const LONG_TOKEN = new RegExp(`[^\\s]{${ECHO_MAX_CHARS + 1},}`, 'g');

/**
 * A message as the API may send it: every run of more than 64 non-space characters (a client's
 * id, path or value; human text has spaces) cut to 64 and "…". `Cannot GET /api/<100,000 chars>`
 * no longer sends the whole path back.
 */
export function capEchoedText(message: string): string {
  return message.replace(LONG_TOKEN, (token) => capEcho(token));
}

/** The HTTP status and body of an HttpException, with echoed text capped. */
export function httpExceptionResponse(error: HttpException): { status: number; body: object } {
  const status = error.getStatus();
  const response = error.getResponse();
  const body: Record<string, unknown> =
    typeof response === 'string'
      ? { statusCode: status, message: response }
      : { ...(response as Record<string, unknown>) };
  const message = body['message'];
  if (typeof message === 'string') body['message'] = capEchoedText(message);
  else if (Array.isArray(message)) {
    body['message'] = message.map((m: unknown) => (typeof m === 'string' ? capEchoedText(m) : m));
  }
  return { status, body };
}

/** Every HttpException (Nest's own 404 for an unknown route included) with echoed text capped. */
@Catch(HttpException)
export class HttpExceptionFilter implements ExceptionFilter<HttpException> {
  catch(error: HttpException, host: ArgumentsHost): void {
    const { status, body } = httpExceptionResponse(error);
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    response.status(status).json(body);
  }
}
