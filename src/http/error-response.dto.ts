import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The body of every 4xx and 5xx answer. */
@ApiSchema({ name: 'ErrorResponse' })
export class ErrorResponseDto {
  /** The HTTP status, repeated. @example 404 */
  statusCode: number;
  /** The status's reason phrase. @example "Not Found" */
  error: string;
  /**
   * What is wrong. Invalid input (400, 422, and the fields a 403 or 413 names) gets a list of lines, one per
   * bad field, each naming the field; everything else gets one sentence. A client can always read it as
   * `Array.isArray(message) ? message : [message]`.
   */
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'No email with id 3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44',
  })
  message: string | string[];
}
