#!/usr/bin/env node
// Writes apps/api/src/openapi-responses.ts: the JSON Schema of what each controller method returns, read from the
// TypeScript compiler's own view of its return type (inferred or declared, Promise unwrapped), as JSON puts it on the
// wire (Date → date-time string, undefined dropped, methods left out). createApp puts these schemas in /openapi.json.
// Named interfaces and type aliases become components; property doc comments become descriptions.
// ts-json-schema-generator 2.10 and typescript-json-schema 0.68 were tried first: both work from declarations and
// lose inferred return types and `Omit<…> & {…}` (every read model here), so this walks the checker's types instead.
// Usage: node scripts/openapi-responses.js [outputDir]   (default apps/api/src)
const { join, resolve, relative } = require('node:path');
const { writeFileSync } = require('node:fs');
const ts = require('typescript');

const root = resolve(__dirname, '..');
const source = join(root, 'apps/api/src');

function program() {
  const config = ts.readConfigFile(join(root, 'tsconfig.build.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const files = parsed.fileNames.filter((f) => f.startsWith(source) && /\.controllers?\.ts$|metrics\.ts$/.test(f));
  return ts.createProgram(files, { ...parsed.options, noEmit: true });
}

/** JSON null, as OpenAPI 3.0 can say it. */
const NULL = { type: 'object', nullable: true, enum: [null] };
const decoratorName = (d) => (ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) ? d.expression.expression.text : undefined);
const HTTP_DECORATORS = new Set(['Get', 'Post', 'Put', 'Delete', 'Patch']);

function generate() {
  const prog = program();
  const checker = prog.getTypeChecker();
  const components = {};
  const componentOf = new Map(); // ts.Type → component name
  const taken = new Map(); // component name → ts.Type

  const docOf = (symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() || undefined;
  const isNull = (t) => (t.flags & ts.TypeFlags.Null) !== 0;
  const isUndefined = (t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0;

  /** A named object type (interface, or alias of one) that is worth a component; generic instances stay inline. */
  function nameOf(type) {
    const alias = type.aliasSymbol;
    if (alias && !(type.aliasTypeArguments?.length)) return alias.getName();
    const symbol = type.getSymbol();
    if (!symbol || !(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class))) return undefined;
    if (type.typeArguments?.length || checker.getTypeArguments?.(type)?.length) return undefined;
    const name = symbol.getName();
    return name.startsWith('__') ? undefined : name;
  }

  function schemaOf(type, depth) {
    if (depth > 40) return {};
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (type.flags & ts.TypeFlags.StringLiteral) return { type: 'string', enum: [type.value] };
    if (type.flags & ts.TypeFlags.NumberLiteral) return { type: 'number', enum: [type.value] };
    if (type.flags & ts.TypeFlags.BooleanLiteral) return { type: 'boolean', enum: [checker.typeToString(type) === 'true'] };
    if (type.flags & ts.TypeFlags.StringLike) return { type: 'string' };
    if (type.flags & ts.TypeFlags.NumberLike) return { type: 'number' };
    if (type.flags & ts.TypeFlags.BooleanLike) return { type: 'boolean' };
    if (type.flags & ts.TypeFlags.BigIntLike) return { type: 'string' };
    if (isNull(type)) return NULL;
    if (type.isUnion()) return unionSchema(type.types, depth);
    if (type.flags & ts.TypeFlags.Object || type.isIntersection()) return objectSchema(type, depth);
    return {};
  }

  function unionSchema(members, depth) {
    const nullable = members.some(isNull);
    let rest = members.filter((t) => !isNull(t) && !isUndefined(t));
    const booleans = rest.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
    if (booleans.length === 2) rest = [...rest.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral)), checker.getBooleanType()];
    const schemas = rest.map((t) => schemaOf(t, depth + 1));
    let schema;
    if (schemas.length === 0) schema = {};
    else if (schemas.every((s) => s.type === 'string' && s.enum)) schema = { type: 'string', enum: [...new Set(schemas.flatMap((s) => s.enum))] };
    else if (schemas.every((s) => s.type === 'number' && s.enum)) schema = { type: 'number', enum: [...new Set(schemas.flatMap((s) => s.enum))] };
    else if (schemas.length === 1) schema = schemas[0];
    else {
      // A literal beside its own base type (`'x' | string`) is the base type.
      const unique = [...new Map(schemas.map((s) => [JSON.stringify(s), s])).values()];
      const bases = new Set(unique.filter((s) => !s.enum && !s.$ref && s.type !== 'object' && s.type !== 'array').map((s) => s.type));
      const kept = unique.filter((s) => !(s.enum && bases.has(s.type)));
      schema = kept.length === 1 ? kept[0] : { anyOf: kept };
    }
    if (!nullable) return schema;
    // OpenAPI 3.0: `nullable` takes effect only beside a `type`, so a reference or a union lists null as a member.
    if (schema.$ref) return { anyOf: [schema, NULL] };
    if (schema.anyOf) return { anyOf: [...schema.anyOf, NULL] };
    if (schema.enum) return { ...schema, enum: [...schema.enum, null], nullable: true };
    if (schema.type) return { ...schema, nullable: true };
    return schema;
  }

  function objectSchema(type, depth) {
    const symbolName = type.getSymbol()?.getName();
    if (symbolName === 'Date') return { type: 'string', format: 'date-time' };
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      const args = checker.getTypeArguments(type);
      const items = checker.isTupleType(type) ? unionSchema(args, depth) : schemaOf(args[0], depth + 1);
      return { type: 'array', items };
    }
    if (type.getCallSignatures().length > 0 && checker.getPropertiesOfType(type).length === 0) return {};
    const name = nameOf(type);
    if (name) {
      if (componentOf.has(type)) return { $ref: `#/components/schemas/${componentOf.get(type)}` };
      let unique = name;
      for (let i = 2; taken.has(unique) && taken.get(unique) !== type; i++) unique = `${name}${i}`;
      componentOf.set(type, unique);
      taken.set(unique, type);
      components[unique] = {}; // recursion refers to it before it is complete
      components[unique] = inlineObject(type, depth);
      return { $ref: `#/components/schemas/${unique}` };
    }
    return inlineObject(type, depth);
  }

  function inlineObject(type, depth) {
    const properties = {};
    const required = [];
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      const propertyType = declaration ? checker.getTypeOfSymbolAtLocation(property, declaration) : checker.getTypeOfSymbol(property);
      if (propertyType.getCallSignatures().length > 0) continue; // methods are not serialised
      const members = propertyType.isUnion() ? propertyType.types : [propertyType];
      if (members.every(isUndefined)) continue;
      const schema = schemaOf(propertyType, depth + 1);
      const description = docOf(property);
      properties[property.getName()] = description && !schema.$ref ? { ...schema, description } : schema;
      if (!(property.flags & ts.SymbolFlags.Optional) && !members.some(isUndefined)) required.push(property.getName());
    }
    const schema = { type: 'object' };
    if (Object.keys(properties).length) schema.properties = properties;
    if (required.length) schema.required = required;
    const index = checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & (ts.TypeFlags.String | ts.TypeFlags.Number));
    if (index) schema.additionalProperties = schemaOf(index.type, depth + 1);
    return schema;
  }

  const operations = {};
  for (const file of prog.getSourceFiles()) {
    if (!file.fileName.startsWith(source)) continue;
    ts.forEachChild(file, function visit(node) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const decorators = ts.getDecorators(node) ?? [];
      if (!decorators.some((d) => decoratorName(d) === 'Controller')) return;
      for (const member of node.members) {
        if (!ts.isMethodDeclaration(member) || !ts.isIdentifier(member.name)) continue;
        if (!(ts.getDecorators(member) ?? []).some((d) => HTTP_DECORATORS.has(decoratorName(d)))) continue;
        const signature = checker.getSignatureFromDeclaration(member);
        if (!signature) continue;
        let returned = checker.getReturnTypeOfSignature(signature);
        returned = checker.getAwaitedType(returned) ?? returned;
        if (returned.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) continue;
        // JSON serialised by the handler itself (JsonText<T>, apps/api/src/http/json-text.ts) is documented as the T it holds.
        const held = (returned.isUnion() ? returned.types : [returned]).map((t) => t.getProperty('__jsonOf')).find(Boolean);
        if (held) {
          operations[`${node.name.text}.${member.name.text}`] = schemaOf(checker.getNonNullableType(checker.getTypeOfSymbol(held)), 0);
          continue;
        }
        // Text, bytes and streams (metrics, calendars, documents, NDJSON) are not JSON: those routes document their own.
        const json = (returned.isUnion() ? returned.types : [returned]).filter((t) => !(t.flags & ts.TypeFlags.StringLike || /^(Buffer|Uint8Array|Readable|ReadStream)$/.test(t.getSymbol()?.getName() ?? '')));
        if (json.length === 0) continue;
        operations[`${node.name.text}.${member.name.text}`] = json.length === 1 ? schemaOf(json[0], 0) : unionSchema(json, 0);
      }
    });
  }
  return { components, operations };
}

const outputDir = resolve(process.argv[2] ?? source);
const { components, operations } = generate();
const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const out = join(outputDir, 'openapi-responses.ts');
writeFileSync(
  out,
  `/* eslint-disable */\n// Generated by scripts/openapi-responses.js from the controllers' return types: do not edit (npm run openapi:metadata).\n` +
    `export const RESPONSE_SCHEMAS: { components: Record<string, object>; operations: Record<string, object> } = ${JSON.stringify({ components: sorted(components), operations: sorted(operations) }, null, 2)};\n`,
);
console.log(`${relative(root, out)}: ${Object.keys(operations).length} operations, ${Object.keys(components).length} components`);
