import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { SLUG_MESSAGE, SLUG_PATTERN } from '../../common/slug.js';
import { ZONE_TAGS_DESCRIPTION } from '../../common/zone-tags.js';
import { MAX_POLYGON_POINTS, MAX_ZONE_TAGS, type ZoneInput } from '../zone.rules.js';
import { PointDto } from './point.dto.js';

export class CreateZoneDto implements ZoneInput {
  @ApiProperty({
    description: 'Unique within the store',
    example: 'entrance',
    pattern: SLUG_PATTERN.source,
  })
  @IsString()
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  id!: string;

  @ApiProperty({ example: 'Entrance' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    type: [PointDto],
    minItems: 3,
    maxItems: MAX_POLYGON_POINTS,
    description:
      'Vertices in order (either direction), inside the floor plan; the polygon closes itself and ' +
      'must not intersect itself',
    example: [
      { x: 13, y: 2 },
      { x: 17, y: 2 },
      { x: 17, y: 6 },
      { x: 13, y: 6 },
    ],
  })
  @IsArray()
  @ArrayMinSize(3)
  @ArrayMaxSize(MAX_POLYGON_POINTS)
  @ValidateNested({ each: true })
  @Type(() => PointDto)
  polygon!: PointDto[];

  @ApiPropertyOptional({
    type: [String],
    description: ZONE_TAGS_DESCRIPTION,
    example: ['entrance'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ZONE_TAGS)
  @ArrayUnique()
  @IsString({ each: true })
  tags?: string[];
}
