import { PartialType } from '@nestjs/swagger';
import { ReplaceSensorDto } from './replace-sensor.dto.js';

/** PATCH: any subset; `calibration` and `config`, when given, replace the whole object. */
export class PatchSensorDto extends PartialType(ReplaceSensorDto) {}
