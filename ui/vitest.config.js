// Unit tests of the front end's own logic (npm test). The app imports uPlot by its dist/ path
// (ui/dist/vendor/…, made by scripts/build.mjs); in tests that path points into node_modules.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^\.\/vendor\/uplot\/uPlot\.esm\.js$/,
        replacement: fileURLToPath(new URL('./node_modules/uplot/dist/uPlot.esm.js', import.meta.url)),
      },
    ],
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.js'],
    setupFiles: ['test/setup.js'],
    // Under jsdom import.meta.url is not a file: URL, so tests find ui/ (and docs/ beside it) here.
    env: { FIELDCHART_UI_DIR: fileURLToPath(new URL('.', import.meta.url)) },
  },
});
