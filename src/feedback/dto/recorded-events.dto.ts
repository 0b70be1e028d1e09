import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'RecordedEvents' })
export class RecordedEventsDto {
  /** Events recorded by this call; events taken before (a provider's retry) are not counted again. @example 1 */
  @ApiProperty({ type: 'integer', minimum: 0 })
  recorded: number;
}
