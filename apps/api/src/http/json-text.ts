/**
 * A response body already serialised as JSON, typed by what it holds, so the OpenAPI generator
 * (scripts/openapi-responses.js) documents it as `T`; sent with a JSON content type.
 */
export type JsonText<T> = string & { readonly __jsonOf?: T };

export const jsonText = <T>(text: string): JsonText<T> => text as JsonText<T>;
