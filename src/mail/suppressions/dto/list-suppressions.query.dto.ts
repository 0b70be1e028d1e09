import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

/** Which suppressed addresses, and how many of the newest. No example: "Try it out" would fill it in. */
export class ListSuppressionsQueryDto {
  /** Addresses containing this text, in any case, e.g. `example.com`. */
  @IsOptional()
  @IsString()
  @Length(1, 254)
  search?: string;

  /**
   * How many of the newest matching addresses; all of them without it (as the list answered before it
   * took a limit). `X-Total-Count` says how many match in all.
   */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @Max(500)
  @Min(1)
  @IsInt()
  limit?: number;
}
