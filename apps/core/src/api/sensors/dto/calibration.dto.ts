import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';
import type { SensorCalibration } from '@aisle/persistence';

const FINITE = { allowNaN: false, allowInfinity: false };

/** Radio calibration of one sensor; each field falls back to the device profile when absent. */
export class CalibrationDto implements SensorCalibration {
  @ApiPropertyOptional({ description: 'RSSI at 1 m, dBm', minimum: -100, maximum: 0, example: -45 })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(-100)
  @Max(0)
  measuredPower?: number;

  @ApiPropertyOptional({
    description: 'Log-distance path-loss exponent (2 free space, 3+ dense walls)',
    minimum: 1,
    maximum: 6,
    example: 2.5,
  })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(1)
  @Max(6)
  pathLossExponent?: number;

  @ApiPropertyOptional({
    description: 'Receiver offset added to every RSSI, dB',
    minimum: -30,
    maximum: 30,
    example: 0,
  })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(-30)
  @Max(30)
  offset?: number;
}
