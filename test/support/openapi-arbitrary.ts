import fc from 'fast-check';

/** The subset of OpenAPI 3.0 schema the document uses (what @nestjs/swagger emits for our DTOs). */
export interface JsonSchema {
  $ref?: string;
  allOf?: JsonSchema[];
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  nullable?: boolean;
}

/** Sizes stay small so a run is quick; the hostile generators cover the long end. */
const MAX_STRING = 40;
const MAX_ITEMS = 4;

/**
 * A fast-check arbitrary of values valid against `schema` as documented. Where the document is looser than the
 * validators (a string without its pattern), values may still be refused: the fuzz test only needs both outcomes.
 */
export function arbitraryFromSchema(schema: JsonSchema, components: Record<string, JsonSchema>, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return arbitraryFromSchema(components[schema.$ref.replace('#/components/schemas/', '')], components, depth + 1);
  if (schema.allOf?.length) return withNull(schema, arbitraryFromSchema(schema.allOf[0], components, depth + 1));
  if (schema.enum) return withNull(schema, fc.constantFrom(...schema.enum));
  switch (schema.type) {
    case 'string':
      return withNull(schema, stringArbitrary(schema));
    case 'number':
    case 'integer': {
      const min = schema.minimum ?? -1_000_000;
      const max = Math.min(schema.maximum ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      return withNull(schema, fc.oneof(fc.constantFrom(min, max), fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) })));
    }
    case 'boolean':
      return withNull(schema, fc.boolean());
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return withNull(schema, fc.array(arbitraryFromSchema(schema.items ?? {}, components, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)) }));
    }
    case 'object':
    case undefined: {
      if (!schema.properties || depth > 4) return withNull(schema, fc.constant({}));
      const fields = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, arbitraryFromSchema(property, components, depth + 1)]));
      return withNull(schema, fc.record(fields, { requiredKeys: schema.required ?? [] }));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid({ version: 4 });
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity));
  const minLength = schema.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING)), unit: 'grapheme' });
}

function withNull<T>(schema: JsonSchema, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return schema.nullable ? fc.option(arbitrary, { nil: null, freq: 5 }) : arbitrary;
}
