import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import { ApiStoreScopedErrors, ApiValidationErrors } from '../common/api-responses.js';
import { CreateZoneDto } from './dto/create-zone.dto.js';
import { ReplaceZoneDto } from './dto/replace-zone.dto.js';
import { ZoneView } from './dto/zone.view.js';
import { ZonesService } from './zones.service.js';

@ApiTags('zones')
@ApiStoreScopedErrors()
@Controller('api/stores/:storeId/zones')
export class ZonesController {
  constructor(@Inject(ZonesService) private readonly zones: ZonesService) {}

  @Get()
  @Roles('store-manager', 'integrator')
  @ApiOperation({ summary: "The store's zones" })
  @ApiOkResponse({ type: [ZoneView] })
  list(@Param('storeId') storeId: string): Promise<ZoneView[]> {
    return this.zones.list(storeId);
  }

  @Post()
  @Roles('store-manager')
  @ApiOperation({ summary: 'Create a zone' })
  @ApiCreatedResponse({ type: ZoneView })
  @ApiConflictResponse({ description: 'The store has a zone with this id' })
  @ApiValidationErrors()
  create(@Param('storeId') storeId: string, @Body() body: CreateZoneDto): Promise<ZoneView> {
    return this.zones.create(storeId, body);
  }

  @Get(':zoneId')
  @Roles('store-manager', 'integrator')
  @ApiOperation({ summary: 'One zone' })
  @ApiOkResponse({ type: ZoneView })
  get(@Param('storeId') storeId: string, @Param('zoneId') zoneId: string): Promise<ZoneView> {
    return this.zones.get(storeId, zoneId);
  }

  @Put(':zoneId')
  @Roles('store-manager')
  @ApiOperation({ summary: 'Replace a zone (not its id)' })
  @ApiOkResponse({ type: ZoneView })
  @ApiValidationErrors()
  replace(
    @Param('storeId') storeId: string,
    @Param('zoneId') zoneId: string,
    @Body() body: ReplaceZoneDto,
  ): Promise<ZoneView> {
    return this.zones.replace(storeId, zoneId, body);
  }

  @Delete(':zoneId')
  @Roles('store-manager')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a zone' })
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@Param('storeId') storeId: string, @Param('zoneId') zoneId: string): Promise<void> {
    return this.zones.remove(storeId, zoneId);
  }
}
