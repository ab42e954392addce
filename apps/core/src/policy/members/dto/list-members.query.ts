import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Most members one request returns. */
export const MEMBER_PAGE_LIMIT = 200;

/** `GET /api/members` (admin): one page of members, newest first. */
export class ListMembersQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MEMBER_PAGE_LIMIT, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MEMBER_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Members to skip (newest first)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
