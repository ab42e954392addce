import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { StoreFloorPlanEntity } from '@aisle/persistence';
import { ApiStoreScopedErrors, ApiValidationErrors } from '../api/common/api-responses.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { DomainValidationError } from '../http/domain-errors.js';
import { ConsoleService } from './console.service.js';
import { ANY_CONTENT_TYPE, AcceptsContentTypes } from '../http/content-type.guard.js';
import { FLOOR_PLAN_TYPES, MAX_FLOOR_PLAN_BYTES, checkFloorPlanImage } from './floor-plan-image.js';

export class FloorPlanImageView {
  @ApiProperty({ example: 'demo' })
  storeId!: string;

  @ApiProperty({ enum: FLOOR_PLAN_TYPES })
  contentType!: string;

  @ApiProperty({ description: 'Size of the image, bytes' })
  bytes!: number;

  @ApiProperty({ description: 'Hex SHA-256 of the image (also its ETag)' })
  sha256!: string;

  @ApiPropertyOptional({ type: Number, nullable: true })
  pixelWidth!: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  pixelHeight!: number | null;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ example: 'key:k1a2b3' })
  updatedBy!: string;
}

/**
 * The store's floor-plan image (PNG or SVG), stretched over the store's `width` × `height`
 * metres: the scale is the store's size. Uploaded as the raw request body.
 */
@ApiTags('stores')
@ApiStoreScopedErrors()
@Controller('api/stores/:storeId/floor-plan')
export class FloorPlanImageController {
  constructor(@Inject(ConsoleService) private readonly console: ConsoleService) {}

  @Get()
  @Roles('store-manager', 'integrator', 'subscriber')
  @ApiOperation({ summary: 'The floor-plan image (404 when none was uploaded)' })
  @ApiProduces(...FLOOR_PLAN_TYPES)
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async image(@Param('storeId') storeId: string, @Res() res: Response): Promise<void> {
    const plan = await this.console.floorPlan(storeId);
    res.setHeader('content-type', plan.contentType);
    res.setHeader('etag', `"${plan.sha256}"`);
    res.setHeader('cache-control', 'private, no-cache');
    res.setHeader('x-content-type-options', 'nosniff');
    // An SVG opened on its own runs nothing and loads nothing.
    res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.end(plan.image);
  }

  @Get('info')
  @Roles('store-manager', 'integrator', 'subscriber')
  @ApiOperation({ summary: 'What floor-plan image the store has (404 when none)' })
  @ApiOkResponse({ type: FloorPlanImageView })
  async info(@Param('storeId') storeId: string): Promise<FloorPlanImageView> {
    const plan = await this.console.floorPlan(storeId);
    return view(plan);
  }

  @Put()
  @Roles('store-manager')
  // The body is the raw image: checkFloorPlanImage judges its type (naming the field), not JSON.
  @AcceptsContentTypes(ANY_CONTENT_TYPE)
  @ApiOperation({
    summary: 'Upload (replace) the floor-plan image',
    description:
      `The raw image as the body, \`Content-Type: image/png\` or \`image/svg+xml\`, at most ` +
      `${MAX_FLOOR_PLAN_BYTES / 1024 / 1024} MB. SVGs with scripts, event handlers, foreign ` +
      'objects or external references are refused. The image covers the floor plan ' +
      '(0..width × 0..height metres); set the scale with the store’s width and height.',
  })
  @ApiConsumes(...FLOOR_PLAN_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: FloorPlanImageView })
  @ApiValidationErrors()
  async upload(
    @Param('storeId') storeId: string,
    @Req() req: Request,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FloorPlanImageView> {
    const body = await readBody(req, MAX_FLOOR_PLAN_BYTES);
    const checked = checkFloorPlanImage(req.headers['content-type'], body);
    if (!checked.ok) throw new DomainValidationError(checked.errors);
    return view(await this.console.saveFloorPlan(storeId, checked.plan, `key:${principal.keyId}`));
  }

  @Delete()
  @Roles('store-manager')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove the floor-plan image' })
  @ApiNoContentResponse({ description: 'Removed (or there was none)' })
  async remove(@Param('storeId') storeId: string): Promise<void> {
    await this.console.removeFloorPlan(storeId);
  }
}

function view(plan: StoreFloorPlanEntity): FloorPlanImageView {
  return {
    storeId: plan.storeId,
    contentType: plan.contentType,
    bytes: plan.image.length,
    sha256: plan.sha256,
    pixelWidth: plan.pixelWidth,
    pixelHeight: plan.pixelHeight,
    updatedAt: plan.updatedAt.toISOString(),
    updatedBy: plan.updatedBy,
  };
}

/** The request body as bytes: already parsed into a Buffer, or read from the stream (bounded). */
async function readBody(req: Request, limit: number): Promise<Buffer> {
  const parsed: unknown = req.body;
  if (Buffer.isBuffer(parsed)) return parsed;
  if (typeof parsed === 'string') return Buffer.from(parsed, 'utf8');
  if (req.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new DomainValidationError([
        { field: 'image', value: `over ${limit} bytes`, message: `must be at most ${limit} bytes` },
      ]);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
