import { ApiProperty } from '@nestjs/swagger';

export class PositionView {
  @ApiProperty({
    description:
      'Pseudonym of the subject: the gate pseudonym for admin keys, re-keyed per API key otherwise',
    example: '3f9a0c4e5b6d7e8f9a0b1c2d3e4f5a6b',
  })
  subject!: string;

  @ApiProperty({ enum: ['wifi', 'ble'] })
  kind!: 'wifi' | 'ble';

  @ApiProperty({ description: 'Floor-plan metres', example: 12.4 })
  x!: number;

  @ApiProperty({ description: 'Floor-plan metres', example: 8.1 })
  y!: number;

  @ApiProperty({ description: 'Radius of the 1-σ uncertainty circle, metres', example: 1.7 })
  uncertainty!: number;

  @ApiProperty({ type: String, nullable: true, example: 'aisle-2' })
  zoneId!: string | null;

  @ApiProperty({ enum: ['multilateration', 'centroid', 'nearest'] })
  method!: 'multilateration' | 'centroid' | 'nearest';

  @ApiProperty({ description: 'Sensors the fix used', example: 5 })
  sensorCount!: number;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export class PositionsView {
  @ApiProperty({ example: 'demo' })
  storeId!: string;

  @ApiProperty({ enum: ['off', 'count-only', 'in-visit', 'consented'] })
  mode!: string;

  @ApiProperty({ format: 'date-time', description: 'Time of the answer' })
  at!: string;

  @ApiProperty({ description: 'Positions older than this are left out, seconds', example: 10 })
  maxAgeSeconds!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why there are no positions (tracking mode), or null',
  })
  reason!: string | null;

  @ApiProperty({ type: [PositionView] })
  positions!: PositionView[];
}

export class CoverageView {
  @ApiProperty({ example: 'demo' })
  storeId!: string;

  @ApiProperty({
    description:
      'Cell size, metres; cell (col, row) is centred at ((col + ½)·step, (row + ½)·step)',
  })
  step!: number;

  @ApiProperty()
  cols!: number;

  @ApiProperty()
  rows!: number;

  @ApiProperty({
    description: 'RMSE bound per cell, metres, rows from y = 0 up; null where unobservable',
    type: 'array',
    items: { type: 'array', items: { type: 'number', nullable: true } },
  })
  values!: (number | null)[][];

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median over observable cells, metres',
  })
  median!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Worst observable cell, metres' })
  max!: number | null;

  @ApiProperty({ description: 'Path-loss exponent the bound assumes' })
  pathLossExponent!: number;

  @ApiProperty({ description: 'Shadowing σ the bound assumes, dB' })
  sigmaDb!: number;

  @ApiProperty({ enum: ['calibration', 'configuration'] })
  source!: 'calibration' | 'configuration';

  @ApiProperty({ type: [String], description: 'Radio sensors in the layout' })
  sensors!: string[];
}

export class SensorCalibrationView {
  @ApiProperty()
  sensorId!: string;

  @ApiProperty({ description: 'Reference samples from this sensor in the fitting window' })
  samples!: number;

  @ApiProperty({ description: 'Distinct reference positions it heard' })
  references!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Fitted receiver offset, dB (relative to the fleet mean)',
  })
  receiverOffset!: number | null;
}

export class CalibrationView {
  @ApiProperty()
  storeId!: string;

  @ApiProperty({ description: 'Whether the fitted values are applied to localisation now' })
  inUse!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'Why no fit is in use' })
  reason!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  fittedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  attemptedAt!: string | null;

  @ApiProperty({ description: 'Reference samples in the fitting window' })
  samples!: number;

  @ApiProperty({ description: 'Distinct reference positions heard' })
  references!: number;

  @ApiProperty()
  perSensorOffsets!: boolean;

  @ApiProperty({ type: Number, nullable: true })
  pathLossExponent!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      "The reference beacons' RSSI at 1 m, dBm (not applied: phones transmit differently)",
  })
  referenceMeasuredPower!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Residual σ of the readings, dB' })
  sigmaDb!: number | null;

  @ApiProperty({ type: [SensorCalibrationView] })
  sensors!: SensorCalibrationView[];
}
