import { ApiProperty } from '@nestjs/swagger';
import { PointDto } from './point.dto.js';

export class ZoneView {
  @ApiProperty({ example: 'berlin-mitte' })
  storeId!: string;

  @ApiProperty({ example: 'entrance' })
  id!: string;

  @ApiProperty({ example: 'Entrance' })
  name!: string;

  @ApiProperty({ type: [PointDto] })
  polygon!: PointDto[];

  @ApiProperty({ type: [String], example: ['entrance'] })
  tags!: string[];
}
