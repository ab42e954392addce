import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { SLUG_MESSAGE, SLUG_PATTERN } from '../../common/slug.js';
import { DEFAULT_SENSOR_HEIGHT_M, MAX_SENSOR_HEIGHT_M, type SensorInput } from '../sensor.rules.js';
import { CalibrationDto } from './calibration.dto.js';

const FINITE = { allowNaN: false, allowInfinity: false };

export class CreateSensorDto implements SensorInput {
  @ApiProperty({
    description: 'Unique within the store',
    example: 'radio-1',
    pattern: SLUG_PATTERN.source,
  })
  @IsString()
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  id!: string;

  @ApiProperty({
    description: 'Domain of a loaded driver plugin (see GET /api/plugins)',
    example: 'aisle-mqtt',
  })
  @IsString()
  @Length(1, 100)
  domain!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Ceiling by the door' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string | null;

  @ApiProperty({
    description: 'metres from the left edge (0..store width)',
    example: 3,
    minimum: 0,
  })
  @IsNumber(FINITE)
  @Min(0)
  x!: number;

  @ApiProperty({
    description: 'metres from the front edge (0..store height)',
    example: 3.5,
    minimum: 0,
  })
  @IsNumber(FINITE)
  @Min(0)
  y!: number;

  @ApiPropertyOptional({
    description: `mounting height, metres (default ${DEFAULT_SENSOR_HEIGHT_M})`,
    minimum: 0,
    maximum: MAX_SENSOR_HEIGHT_M,
    example: DEFAULT_SENSOR_HEIGHT_M,
  })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  @Max(MAX_SENSOR_HEIGHT_M)
  z?: number;

  @ApiPropertyOptional({ type: CalibrationDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CalibrationDto)
  calibration?: CalibrationDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "The driver plugin's configuration for this sensor, validated by the plugin (default {}). " +
      'Secret fields are write-only: responses show "***", and "***" in a PUT or PATCH keeps the stored value.',
    example: {},
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Disabled sensors are kept but not started (default true)',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
