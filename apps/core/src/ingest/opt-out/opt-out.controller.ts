import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PUBLIC_PAGE_BAR, publicPageHead, type OptOutSubject } from '@aisle/policy';
import { Public } from '../../auth/public.decorator.js';
import { AcceptsContentTypes } from '../../http/content-type.guard.js';
import { InvalidOptOutError, OptOutService } from './opt-out.service.js';

/** Where the form is served (the answer page links back to it). */
const OPT_OUT_FORM_PATH = '/opt-out';

/** Opt-outs one client address may submit per window: enough for a family, too few to probe the list. */
export const OPT_OUT_REQUESTS_PER_WINDOW = 10;
/** The rate-limit window, ms (ten minutes). */
export const OPT_OUT_WINDOW_MS = 10 * 60_000;

/** Reads the subject by hand so that no validation error ever echoes an address back. */
function subjectOf(body: unknown): OptOutSubject {
  const input = (body ?? {}) as Record<string, unknown>;
  const address = input['address'] ?? input['mac'] ?? input['bleAddress'];
  if (typeof address === 'string' && address.trim() !== '') return { kind: 'device', address };
  if (typeof input['beaconId'] === 'string') return { kind: 'beacon', id: input['beaconId'] };
  throw new InvalidOptOutError(
    'send "address" (your device’s Wi-Fi or Bluetooth MAC address) or "beaconId"',
  );
}

const FORM = `<!doctype html>
<html lang="en"><head>${publicPageHead('Opt out of in-store sensors')}
</head><body>
${PUBLIC_PAGE_BAR}
<main>
<h1>Opt out of in-store sensors</h1>
<p>Enter your phone's Wi-Fi or Bluetooth address (Settings → About → Wi-Fi address). From now on every store
using Aisle ignores it, and what was recorded for it today is deleted. No account needed; we keep only a
keyed fingerprint of the address, never the address.</p>
<p>Phones with "private Wi-Fi address" switched on already change their address regularly; opting out covers
the address you enter.</p>
<form method="post" action="/opt-out"><label for="address">Device address</label>
<input id="address" name="address" required placeholder="aa:bb:cc:dd:ee:ff" autocomplete="off">
<button type="submit">Opt out</button></form>
</main>
</body></html>
`;

interface OptOutAnswer {
  status: 'opted-out';
  message: string;
  randomized: boolean;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The page a browser gets after submitting the form: what happened, never the address sent. */
function answerPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p role="status">${escapeHtml(message)}</p>
<p><a href="${OPT_OUT_FORM_PATH}">Opt out another device</a></p>
</body></html>
`;
}

@ApiTags('notice')
@Controller('opt-out')
export class OptOutController {
  private readonly recent = new Map<string, number[]>();

  constructor(@Inject(OptOutService) private readonly optOuts: OptOutService) {}

  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiOperation({ summary: 'A plain opt-out form for shoppers (no account needed)' })
  form(): string {
    return FORM;
  }

  @Public()
  @Post()
  @AcceptsContentTypes('application/json', 'application/x-www-form-urlencoded')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Opt a device out of every store: dropped at the gate from now on, today’s data deleted',
    description:
      'JSON or a form (`application/x-www-form-urlencoded`). A browser (`Accept: text/html`) gets ' +
      'an HTML page saying what happened; nothing in any answer repeats the address. Broadcast, ' +
      'multicast and all-zero addresses are refused.',
  })
  @ApiProduces('application/json', 'text/html')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        address: {
          type: 'string',
          example: 'aa:bb:cc:dd:ee:ff',
          description: 'Wi-Fi or Bluetooth MAC address',
        },
        beaconId: { type: 'string', description: 'a beacon id instead of an address' },
      },
    },
  })
  async optOut(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    // A browser submitting the form gets a page; apps and curl get JSON.
    const html = req.accepts(['json', 'html']) === 'html';
    let answer: OptOutAnswer;
    try {
      this.limit(req.ip ?? 'unknown');
      const result = await this.optOuts.optOut(subjectOf(body));
      answer = {
        status: 'opted-out',
        randomized: result.randomized,
        message: result.randomized
          ? 'Done. This is a private (randomised) address: your phone will change it, and the opt-out covers only this one.'
          : 'Done. Every store using Aisle now ignores this device, and what was recorded for it today has been deleted.',
      };
    } catch (error) {
      const refusal =
        error instanceof InvalidOptOutError
          ? new HttpException(
              { statusCode: 400, error: 'Bad Request', message: error.message },
              400,
            )
          : error;
      if (!html || !(refusal instanceof HttpException)) throw refusal;
      const { message } = refusal.getResponse() as { message: string };
      res.status(refusal.getStatus()).type('html').send(answerPage('Not opted out', message));
      return;
    }
    if (html) {
      res.status(HttpStatus.ACCEPTED).type('html').send(answerPage('Opted out', answer.message));
    } else res.status(HttpStatus.ACCEPTED).json(answer);
  }

  private limit(client: string): void {
    const now = Date.now();
    const times = (this.recent.get(client) ?? []).filter((t) => now - t < OPT_OUT_WINDOW_MS);
    if (times.length >= OPT_OUT_REQUESTS_PER_WINDOW) {
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'too many opt-out requests from this address; try again later',
        },
        429,
      );
    }
    times.push(now);
    this.recent.set(client, times);
    if (this.recent.size > 10_000) this.recent.clear();
  }
}
