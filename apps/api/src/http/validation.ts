import { Injectable, ValidationPipe, type ArgumentMetadata, type CallHandler, type ExecutionContext, type NestInterceptor, type ValidationError } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Observable } from 'rxjs';
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

/**
 * A route with no query DTO takes no query parameters: the validation pipe never sees them, so they are refused
 * here (400 `unknown_field` naming each), as a DTO would refuse an undeclared one.
 */
@Injectable()
export class UndeclaredQueryInterceptor implements NestInterceptor {
  private readonly takesQuery = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const handler = context.getHandler();
      let declared = this.takesQuery.get(handler);
      if (declared === undefined) {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
        declared = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
        this.takesQuery.set(handler, declared);
      }
      const given = Object.keys((context.switchToHttp().getRequest<{ query?: Record<string, unknown> }>().query ?? {}) as object);
      if (!declared && given.length > 0) throw new BadRequestProblem(given.map((field) => ({ field, code: 'unknown_field', message: `${field} is not a known field` })));
    }
    return next.handle();
  }
}
