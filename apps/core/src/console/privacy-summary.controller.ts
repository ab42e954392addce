import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import { OptOutService } from '../ingest/opt-out/opt-out.service.js';

export class OptOutSummaryView {
  @ApiProperty({ description: 'Devices on the hub-wide opt-out list (digests; never addresses)' })
  size!: number;
}

/** The privacy desk's hub-wide figures: how many devices opted out, nothing about which. */
@ApiTags('operations')
@Controller('api/privacy')
export class PrivacySummaryController {
  constructor(@Inject(OptOutService) private readonly optOutService: OptOutService) {}

  @Get('opt-outs')
  @Roles('store-manager')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Size of the hub-wide opt-out list (a count only)' })
  @ApiOkResponse({ type: OptOutSummaryView })
  optOuts(): OptOutSummaryView {
    return { size: this.optOutService.list.size };
  }
}
