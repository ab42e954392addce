import { ApiProperty } from '@nestjs/swagger';
import { CalibrationDto } from './calibration.dto.js';

export class SensorView {
  @ApiProperty({ example: 'berlin-mitte' })
  storeId!: string;

  @ApiProperty({ example: 'radio-1' })
  id!: string;

  @ApiProperty({ example: 'aisle-mqtt' })
  domain!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ description: 'metres' })
  x!: number;

  @ApiProperty({ description: 'metres' })
  y!: number;

  @ApiProperty({ description: 'metres' })
  z!: number;

  @ApiProperty({ type: CalibrationDto })
  calibration!: CalibrationDto;

  @ApiProperty({ type: 'object', additionalProperties: true })
  config!: Record<string, unknown>;

  @ApiProperty()
  enabled!: boolean;
}
