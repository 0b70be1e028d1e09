import { IsOptional, IsString, Length } from 'class-validator';
import { PageLimit } from '../../../common/page-limit.decorator';

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
  @PageLimit(500)
  limit?: number;
}
