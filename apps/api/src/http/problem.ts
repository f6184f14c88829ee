import { HttpException, HttpStatus } from '@nestjs/common';

/** One offending input, named by its path in the request (e.g. `lines[0].quantity`, `header:If-Match`). */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** RFC 9457 problem details, with a machine-readable `code` and the fields at fault. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const problemType = (code: string) => `urn:touchpoint:problem:${code.replace(/_/g, '-')}`;

/** Thrown at the edge for bad input; rendered as 400 problem+json (422 for well-formed values that do not fit together). */
export class BadRequestProblem extends HttpException {
  constructor(
    readonly errors: FieldError[],
    detail = 'The request is not valid; see errors.',
    readonly code = 'validation_failed',
    status: 400 | 422 = HttpStatus.BAD_REQUEST,
  ) {
    super({ detail, errors }, status);
  }
}
