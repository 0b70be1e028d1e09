/** The body of every 4xx and 5xx answer. */
export class ErrorResponseDto {
  /** @example 400 */
  statusCode: number;
  /** @example "Bad Request" */
  error: string;
  /**
   * What is wrong: for invalid input, one line per bad field, each naming the field.
   * @example ["to[0] has an invalid email address \"ann@\"", "subject must be longer than or equal to 1 characters"]
   */
  message: string[] | string;
}
