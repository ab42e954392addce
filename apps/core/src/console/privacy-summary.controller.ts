import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import type { HubParts } from '../hub-parts.js';

export class OptOutSummaryView {
  @ApiProperty({ description: 'Devices on the hub-wide opt-out list (digests; never addresses)' })
  size!: number;
}

/** The privacy desk's hub-wide figures: how many devices opted out, nothing about which. */
@ApiTags('operations')
@Controller('api/privacy')
export class PrivacySummaryController {
  constructor(@Inject('HUB_PARTS') private readonly parts: HubParts) {}

  @Get('opt-outs')
  @Roles('store-manager')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Size of the hub-wide opt-out list (a count only)' })
  @ApiOkResponse({ type: OptOutSummaryView })
  optOuts(): OptOutSummaryView {
    return { size: this.parts.optOut.list.size };
  }
}
