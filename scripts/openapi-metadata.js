#!/usr/bin/env node
// Writes apps/api/src/openapi-metadata.ts: the @nestjs/swagger plugin's view of the DTOs and controllers
// (types, required, class-validator limits, doc comments), loaded by createApp. One generated file serves
// the nest build and ts-jest alike (ts-jest runs with isolatedModules, where the plugin cannot run).
// Before it, scripts/openapi-responses.js writes openapi-responses.ts beside it (response bodies).
// Usage: node scripts/openapi-metadata.js [outputDir]   (default apps/api/src)
const { join, resolve } = require('node:path');
const { PluginMetadataGenerator } = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator');
const { ReadonlyVisitor } = require('@nestjs/swagger/plugin');

const root = resolve(__dirname, '..');
const pathToSource = join(root, 'apps/api/src');
const outputDir = resolve(process.argv[2] ?? pathToSource);
process.chdir(root); // the generator resolves tsconfigPath against the working directory

// Response bodies first, from the controllers' return types (the plugin's type check needs the file).
require('./openapi-responses');

new PluginMetadataGenerator().generate({
  visitors: [
    new ReadonlyVisitor({
      pathToSource,
      introspectComments: true,
      classValidatorShim: true,
      dtoFileNameSuffix: ['.dtos.ts', '.dto.ts'],
      controllerFileNameSuffix: ['.controller.ts', '.controllers.ts'],
    }),
  ],
  outputDir,
  filename: 'openapi-metadata.ts',
  tsconfigPath: 'tsconfig.build.json',
  printDiagnostics: false,
});
