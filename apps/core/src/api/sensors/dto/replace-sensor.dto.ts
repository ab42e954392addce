import { OmitType } from '@nestjs/swagger';
import { CreateSensorDto } from './create-sensor.dto.js';

/** PUT: every field except the id (the path's); absent optional fields take their defaults. */
export class ReplaceSensorDto extends OmitType(CreateSensorDto, ['id'] as const) {}
