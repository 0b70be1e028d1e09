import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * An optional `limit` query parameter: a whole number from 1 to `max`, read from the query string's text,
 * and documented with the default the route applies without it, if any.
 */
export const PageLimit = (max: number, byDefault?: number) =>
  applyDecorators(
    // Applied in this order, as the same decorators stacked above a property would be (bottom first).
    IsInt(),
    Min(1),
    Max(max),
    Type(() => Number),
    IsOptional(),
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: max, ...(byDefault !== undefined && { default: byDefault }) }),
  );
