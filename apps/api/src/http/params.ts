import { Injectable, type PipeTransform } from '@nestjs/common';
import { BadRequestProblem } from './problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}$/;
/** a seller, team or other name chosen by people: anything but a slash, 1–128 characters */
const NAME = /^[^/]{1,128}$/;

/** Path parameters are checked like bodies: a bad one is a 400 naming it, never a lookup. */
@Injectable()
export class PathParam implements PipeTransform<string, string> {
  private constructor(
    private readonly name: string,
    private readonly pattern: RegExp,
    private readonly hint: string,
  ) {}

  static uuid(name: string) {
    return new PathParam(name, UUID, 'a UUID');
  }
  static businessId(name: string) {
    return new PathParam(name, BUSINESS_ID, '1–64 characters of [A-Za-z0-9_.-]');
  }
  static freeText(name: string) {
    return new PathParam(name, NAME, '1–128 characters, no slash');
  }
  static matching(name: string, pattern: RegExp, hint: string) {
    return new PathParam(name, pattern, hint);
  }

  /** The parameter as the OpenAPI document states it, so a client generated from it sends only what passes here. */
  get schema(): Record<string, unknown> {
    if (this.pattern === UUID) return { type: 'string', format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' };
    return { type: 'string', pattern: this.pattern.source };
  }
  get parameterName(): string {
    return this.name;
  }

  transform(value: string): string {
    if (typeof value !== 'string' || !this.pattern.test(value)) {
      throw new BadRequestProblem([{ field: `path:${this.name}`, code: 'invalid_path_parameter', message: `${this.name} must be ${this.hint}` }]);
    }
    return this.pattern === UUID ? value.toLowerCase() : value;
  }
}
