import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
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

/** Nest turns a `null` body into `{}` before validating it; a body that is sent must be a JSON object. */
class StrictValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object && (value === null || typeof value !== 'object' || Array.isArray(value)) && value !== undefined) {
      throw new BadRequestProblem([{ field: 'body', code: 'not_an_object', message: 'the body must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}

export const strictValidationPipe = () =>
  new StrictValidationPipe({
    ...STRICT_VALIDATOR_OPTIONS,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new BadRequestProblem(flatten(errors)),
  });
