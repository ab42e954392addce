import { ApiProperty } from '@nestjs/swagger';

export class OccupancyPointView {
  @ApiProperty({ format: 'date-time', description: 'Interval start (inclusive)' })
  start!: string;

  @ApiProperty({ format: 'date-time', description: 'Interval end (exclusive)' })
  end!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'People present; null when suppressed (fewer than k subjects, non-admin keys)',
    example: 23.0,
  })
  estimate!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Low end of the range: the estimate if randomised addresses are linked more loosely; null when suppressed',
  })
  low!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'High end of the range: the estimate if randomised addresses are linked more strictly; null when suppressed',
  })
  high!: number | null;

  @ApiProperty({ description: 'True when the figure came from fewer than k subjects' })
  suppressed!: boolean;

  @ApiProperty({
    required: false,
    description:
      'Devices plus randomised devices (linked addresses) behind the estimate (admin keys only)',
  })
  subjects?: number;
}

export class OccupancyEstimateView {
  @ApiProperty({ example: 'demo' })
  storeId!: string;

  @ApiProperty({ enum: ['off', 'count-only', 'in-visit', 'consented'] })
  mode!: string;

  @ApiProperty({
    example: 'wifi-probe-association',
    description:
      'How the figure is formed: wifi-probe-association = randomised addresses linked to devices within minutes in memory (element fingerprint, bursts, sequence numbers, signal per sensor)',
  })
  method!: string;

  @ApiProperty({ description: 'Interval length, seconds', example: 300 })
  intervalSeconds!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Suppression threshold; null for admin',
  })
  k!: number | null;

  @ApiProperty({ format: 'date-time', description: 'Time of the answer' })
  at!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why there is no estimate (tracking off, no Wi-Fi sighting yet), or null',
  })
  reason!: string | null;

  @ApiProperty({ type: OccupancyPointView, nullable: true, description: 'Last closed interval' })
  current!: OccupancyPointView | null;

  @ApiProperty({
    type: OccupancyPointView,
    nullable: true,
    description: 'The open interval, from what has arrived so far',
  })
  inProgress!: OccupancyPointView | null;

  @ApiProperty({ type: [OccupancyPointView], description: 'Closed intervals of the last hour' })
  series!: OccupancyPointView[];
}
