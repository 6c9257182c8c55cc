// Builds ui/dist/, the folder the Tauri app embeds (`npm run build`). No bundler: it copies ui/src/
// as is, and the library files the app loads into dist/vendor/. pdf.js's binary data (CMaps for
// Japanese text, standard fonts) becomes one tiny ES module per file, because the app's CSP lets
// scripts load from 'self' but allows no fetch (connect-src is IPC only); see src/pdfview.js.
// It refuses to build an index.html with inline script or style, which that CSP would block.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(ui, 'src');
const dist = join(ui, 'dist');
const modules = join(ui, 'node_modules');

function need(path) {
  if (!existsSync(path)) {
    console.error(`build: ${path} is missing; run \`npm ci\` in ui/ first`);
    process.exit(1);
  }
  return path;
}

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(need(from), to, { recursive: true });
}

/** Each file of `fromDir` matching `keep` as `<name>.js` exporting its bytes in base64. */
function asModules(fromDir, toDir, keep) {
  mkdirSync(toDir, { recursive: true });
  let count = 0;
  for (const name of readdirSync(need(fromDir))) {
    if (!keep.test(name)) continue;
    const base64 = readFileSync(join(fromDir, name)).toString('base64');
    writeFileSync(join(toDir, `${name}.js`), `export default "${base64}";\n`);
    count += 1;
  }
  return count;
}

function checkCsp(html) {
  const problems = [];
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) problems.push('an inline <script>');
  if (/\sstyle\s*=/i.test(html)) problems.push('an inline style="" attribute');
  if (/<style[\s>]/i.test(html)) problems.push('a <style> element');
  if (/\son[a-z]+\s*=/i.test(html)) problems.push('an inline event handler');
  if (/(src|href)\s*=\s*["']?(https?:)?\/\//i.test(html)) problems.push('a remote URL');
  return problems;
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

for (const name of readdirSync(src)) {
  const from = join(src, name);
  if (name === 'vendor') continue;
  cpSync(from, join(dist, name), { recursive: statSync(from).isDirectory() });
}

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const problems = checkCsp(html);
if (problems.length > 0) {
  console.error(`build: src/index.html has ${problems.join(', ')}; the app's CSP would block it`);
  process.exit(1);
}

const vendor = join(dist, 'vendor');
const uplot = join(modules, 'uplot');
copy(join(uplot, 'dist/uPlot.esm.js'), join(vendor, 'uplot/uPlot.esm.js'));
copy(join(uplot, 'dist/uPlot.min.css'), join(vendor, 'uplot/uPlot.min.css'));
copy(join(uplot, 'LICENSE'), join(vendor, 'uplot/LICENSE'));

const pdfjs = join(modules, 'pdfjs-dist');
copy(join(pdfjs, 'legacy/build/pdf.mjs'), join(vendor, 'pdfjs/pdf.mjs'));
copy(join(pdfjs, 'legacy/build/pdf.worker.mjs'), join(vendor, 'pdfjs/pdf.worker.mjs'));
copy(join(pdfjs, 'LICENSE'), join(vendor, 'pdfjs/LICENSE'));
// The JPEG 2000 decoder without WebAssembly, which the worker imports as a module.
copy(join(pdfjs, 'wasm/openjpeg_nowasm_fallback.js'), join(vendor, 'pdfjs/wasm/openjpeg_nowasm_fallback.js'));
const cmaps = asModules(join(pdfjs, 'cmaps'), join(vendor, 'pdfjs/cmaps'), /\.bcmap$/);
const fonts = asModules(join(pdfjs, 'standard_fonts'), join(vendor, 'pdfjs/standard_fonts'), /\.(pfb|ttf)$/);
copy(join(pdfjs, 'standard_fonts/LICENSE_FOXIT'), join(vendor, 'pdfjs/standard_fonts/LICENSE_FOXIT'));
copy(join(pdfjs, 'standard_fonts/LICENSE_LIBERATION'), join(vendor, 'pdfjs/standard_fonts/LICENSE_LIBERATION'));

console.log(`build: ui/dist ready (${cmaps} CMaps and ${fonts} standard fonts as modules for pdf.js)`);
