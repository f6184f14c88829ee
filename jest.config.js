// Four tiers by file suffix: *.unit.spec.ts (no server), *.int.spec.ts (real servers), *.e2e.spec.ts (HTTP),
// *.browser.spec.ts (the console in Chromium).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

// A few dependencies ship ESM only; jest (on Node 20) needs them compiled to CommonJS.
const ESM_PACKAGES = ['content-disposition'];

const base = {
  testEnvironment: 'node',
  rootDir: __dirname,
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
};

module.exports = {
  // Test files run in worker processes, each recycled once it holds more than 1 GB after a file. On 2 cores
  // jest would otherwise run every file in one process, which keeps each file's leftovers and ran out of heap.
  maxWorkers: Math.max(2, Math.min(4, require('node:os').cpus().length - 1)),
  workerIdleMemoryLimit: '1GB',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,bench}/**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int.spec.ts'], globalSetup: '<rootDir>/test/infra-setup.ts' },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.spec.ts'] },
    // The console in a real Chromium (Debian's), against the API on the embedded store; builds the console first.
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/**/*.browser.spec.ts'], globalSetup: '<rootDir>/test/console/build-console.ts' },
  ],
};
