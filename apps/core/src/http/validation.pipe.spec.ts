import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsNumber, IsString, Min, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation.pipe.js';

class PointDto {
  @IsNumber()
  @Min(0)
  x!: number;

  @IsNumber()
  y!: number;
}

class ZoneDto {
  @IsString()
  name!: string;

  @ValidateNested({ each: true })
  @Type(() => PointDto)
  polygon!: PointDto[];
}

const body: ArgumentMetadata = { type: 'body', metatype: ZoneDto };

async function rejection(input: unknown): Promise<Record<string, unknown>> {
  const sut = createValidationPipe();
  try {
    await sut.transform(input, body);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).getResponse() as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('createValidationPipe', () => {
  it('transforms a valid body into the DTO class', async () => {
    const sut = createValidationPipe();
    const value = await sut.transform({ name: 'a', polygon: [{ x: 1, y: 2 }] }, body);
    expect(value).toBeInstanceOf(ZoneDto);
    expect((value as ZoneDto).polygon[0]).toBeInstanceOf(PointDto);
  });

  it('names nested fields with their index, the rule and the value', async () => {
    const response = await rejection({
      name: 'a',
      polygon: [
        { x: 1, y: 2 },
        { x: -3, y: 1 },
      ],
    });
    expect(response).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Validation failed: polygon[1].x: x must not be less than 0 (got -3)',
      errors: [{ field: 'polygon[1].x', value: -3, message: 'x must not be less than 0' }],
    });
  });

  it('rejects unknown fields, also nested ones, and reports every error at once', async () => {
    const response = await rejection({ name: 7, polygon: [{ x: 1, y: 2, z: 9 }], extra: true });
    const fields = (response['errors'] as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'extra', 'polygon[0].z']));
    expect(response['message']).toContain('extra: property extra should not exist (got true)');
  });

  it('sends an absent value as null', async () => {
    const response = await rejection({ polygon: [] });
    expect(response['errors']).toContainEqual({
      field: 'name',
      value: null,
      message: 'name must be a string',
    });
    expect(response['message']).toContain('name: name must be a string (got nothing)');
  });
});
