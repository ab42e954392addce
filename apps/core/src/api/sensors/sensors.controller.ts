import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Patch,
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
import { CreateSensorDto } from './dto/create-sensor.dto.js';
import { PatchSensorDto } from './dto/patch-sensor.dto.js';
import { ReplaceSensorDto } from './dto/replace-sensor.dto.js';
import { SensorView } from './dto/sensor.view.js';
import { SensorsService } from './sensors.service.js';

@ApiTags('sensors')
@ApiStoreScopedErrors()
@Roles('store-manager', 'integrator')
@Controller('api/stores/:storeId/sensors')
export class SensorsController {
  constructor(@Inject(SensorsService) private readonly sensors: SensorsService) {}

  @Get()
  @ApiOperation({ summary: "The store's sensors" })
  @ApiOkResponse({ type: [SensorView] })
  list(@Param('storeId') storeId: string): Promise<SensorView[]> {
    return this.sensors.list(storeId);
  }

  @Post()
  @ApiOperation({ summary: 'Add a sensor (its driver starts)' })
  @ApiCreatedResponse({ type: SensorView })
  @ApiConflictResponse({ description: 'The store has a sensor with this id' })
  @ApiValidationErrors()
  create(@Param('storeId') storeId: string, @Body() body: CreateSensorDto): Promise<SensorView> {
    return this.sensors.create(storeId, body);
  }

  @Get(':sensorId')
  @ApiOperation({ summary: 'One sensor' })
  @ApiOkResponse({ type: SensorView })
  get(@Param('storeId') storeId: string, @Param('sensorId') sensorId: string): Promise<SensorView> {
    return this.sensors.get(storeId, sensorId);
  }

  @Put(':sensorId')
  @ApiOperation({ summary: 'Replace a sensor (not its id)' })
  @ApiOkResponse({ type: SensorView })
  @ApiValidationErrors()
  replace(
    @Param('storeId') storeId: string,
    @Param('sensorId') sensorId: string,
    @Body() body: ReplaceSensorDto,
  ): Promise<SensorView> {
    return this.sensors.replace(storeId, sensorId, body);
  }

  @Patch(':sensorId')
  @ApiOperation({ summary: 'Change some fields of a sensor' })
  @ApiOkResponse({ type: SensorView })
  @ApiValidationErrors()
  patch(
    @Param('storeId') storeId: string,
    @Param('sensorId') sensorId: string,
    @Body() body: PatchSensorDto,
  ): Promise<SensorView> {
    return this.sensors.patch(storeId, sensorId, body);
  }

  @Delete(':sensorId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a sensor (its driver stops)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@Param('storeId') storeId: string, @Param('sensorId') sensorId: string): Promise<void> {
    return this.sensors.remove(storeId, sensorId);
  }
}
