import { defineConfig } from 'vite';

// Built into dist/console and served by the API at /console/ (apps/api/src/http/console.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: '../../dist/console', emptyOutDir: true, reportCompressedSize: true, chunkSizeWarningLimit: 300 },
});
