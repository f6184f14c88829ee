import { isCurrency } from '@touchpoint/domain';
import { Transform } from 'class-transformer';
import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

/** Optional means absent: unlike @IsOptional, null is refused (only PATCH uses null, to clear). */
export const Optional = () => ValidateIf((_object, value) => value !== undefined);

/** ISO 4217, upper case, as the domain knows it (one list for the DTO and the decider). */
export function IsCurrencyCode(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCurrencyCode',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be an ISO 4217 currency code such as EUR or UAH`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && /^[A-Z]{3}$/.test(value) && isCurrency(value) },
    });
}

/** A number from a query string. An empty value stays '' and fails @IsInt, where Number('') would make it 0. */
export const QueryNumber = () => Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value));
