import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { BadRequestProblem, type FieldError } from './problem';

/** class-validator's nested errors as flat field errors: `lines[0].unitPrice`, unknown fields as `unknown_field`. */
export function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = /^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : prefix ? `${prefix}.${e.property}` : e.property;
    for (const [code, message] of Object.entries(e.constraints ?? {})) {
      out.push({ field, code: code === 'whitelistValidation' ? 'unknown_field' : code, message: code === 'whitelistValidation' ? `${field} is not a known field` : message });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/**
 * Strict input: unknown fields are rejected, types are not coerced behind the
 * client's back (query strings get explicit @Type conversions in their DTOs).
 */
/** The validator options of every body: imports validate their records with the same. */
export const STRICT_VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

export const strictValidationPipe = () =>
  new ValidationPipe({
    ...STRICT_VALIDATOR_OPTIONS,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new BadRequestProblem(flatten(errors)),
  });
