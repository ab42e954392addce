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

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The driver plugin\'s configuration. Secrets (fields the plugin marks write-only: passwords, tokens) are shown as "***" when set; sending "***" back keeps the stored value.',
  })
  config!: Record<string, unknown>;

  @ApiProperty()
  enabled!: boolean;
}
