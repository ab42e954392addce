import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/roles.decorator.js';
import {
  FixedDevicesService,
  InvalidFixedDeviceError,
  type FixedDeviceView,
} from './fixed-devices.service.js';

@ApiTags('stores')
@Controller('api/stores/:storeId/fixed-devices')
export class FixedDevicesController {
  constructor(@Inject(FixedDevicesService) private readonly devices: FixedDevicesService) {}

  @Get()
  @Roles('store-manager', 'integrator')
  @ApiOperation({
    summary:
      'The store’s own devices excluded from counting (ids are keyed digests, never addresses)',
  })
  list(@Param('storeId') storeId: string): Promise<FixedDeviceView[]> {
    return this.devices.list(storeId);
  }

  @Post()
  @Roles('store-manager', 'integrator')
  @ApiOperation({
    summary:
      'Exclude one of the store’s own devices (staff PC, printer, staff badge beacon) from counting',
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        address: { type: 'string', example: 'aa:bb:cc:dd:ee:ff' },
        beaconId: {
          type: 'string',
          description: 'instead of address: a store-owned beacon (staff badge)',
          example: 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949',
        },
        label: { type: 'string', example: 'till 2 PC' },
      },
      // Either an address or a beacon id, never both.
      example: { address: 'aa:bb:cc:dd:ee:ff', label: 'till 2 PC' },
    },
  })
  async add(@Param('storeId') storeId: string, @Body() body: unknown): Promise<FixedDeviceView> {
    const input = (body ?? {}) as Record<string, unknown>;
    try {
      return await this.devices.add(storeId, {
        address: input['address'],
        label: input['label'],
        ...(input['beaconId'] !== undefined ? { beaconId: input['beaconId'] } : {}),
      });
    } catch (error) {
      if (error instanceof InvalidFixedDeviceError) {
        throw new HttpException(
          { statusCode: 400, error: 'Bad Request', message: error.message },
          400,
        );
      }
      throw error;
    }
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('store-manager', 'integrator')
  @ApiOperation({ summary: 'Count this device again' })
  async remove(@Param('storeId') storeId: string, @Param('id') id: string): Promise<void> {
    if (!(await this.devices.remove(storeId, id))) {
      throw new NotFoundException(`no fixed device ${JSON.stringify(id)}`);
    }
  }
}
