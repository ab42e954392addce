import { ApiProperty } from '@nestjs/swagger';
import { IsNumber, Min } from 'class-validator';
import type { Point } from '@aisle/persistence';

const FINITE = { allowNaN: false, allowInfinity: false };

/** A floor-plan point, metres; the upper bounds are the store's width and height. */
export class PointDto implements Point {
  @ApiProperty({
    description: 'metres from the left edge (0..store width)',
    example: 13,
    minimum: 0,
  })
  @IsNumber(FINITE)
  @Min(0)
  x!: number;

  @ApiProperty({
    description: 'metres from the front edge (0..store height)',
    example: 2,
    minimum: 0,
  })
  @IsNumber(FINITE)
  @Min(0)
  y!: number;
}
