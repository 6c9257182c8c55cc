// Serves ui/dist/ on http://127.0.0.1:PORT (default 5178) with the app's CSP, plus ui/dev/mock.js
// standing in for Tauri, so the UI can be looked at (and screenshotted by dev/shots.mjs) in a plain
// browser: `npm run build && node dev/serve.mjs`. Development only; nothing here reaches dist/.
// The CSP is the app's (requirements APP-19), so a violation shows in the browser console here too.

import { createServer } from 'node:http';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(ui, 'dist');
const port = Number(process.env.PORT || 5178);

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; " +
  "connect-src ipc: http://ipc.localhost; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};

/** A one-page PDF with a Latin line and a Japanese line in a non-embedded font (needs a CMap). */
function samplePdf() {
  const ucs2 = (s) => [...s].map((c) => c.codePointAt(0).toString(16).padStart(4, '0')).join('').toUpperCase();
  const content = [
    'BT /F1 26 Tf 60 770 Td (FieldChart test PDF) Tj ET',
    `BT /F2 22 Tf 60 720 Td <${ucs2('診療情報提供書　山田 花子 様')}> Tj ET`,
    `BT /F2 16 Tf 60 680 Td <${ucs2('心房細動の抗凝固療法継続のため紹介します。')}> Tj ET`,
    '4 w 50 640 m 545 640 l S',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 7 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    '<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiKakuGo-W5 /Encoding /UniJIS-UCS2-H /DescendantFonts [6 0 R] >>',
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiKakuGo-W5 /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> /FontDescriptor 8 0 R /DW 1000 >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /FontDescriptor /FontName /HeiseiKakuGo-W5 /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) pdf += `${String(o).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1').toString('base64');
}

function fixturesScript() {
  const dir = join(ui, 'test/fixtures');
  const fixtures = {};
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    fixtures[name.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  }
  fixtures.pdf = samplePdf();
  return `window.__FIXTURES__ = ${JSON.stringify(fixtures)};\n`;
}

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' });
  res.end(body);
}

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/dev/mock.js') return send(res, 200, TYPES['.js'], readFileSync(join(ui, 'dev/mock.js')));
  if (path === '/dev/fixtures.js') return send(res, 200, TYPES['.js'], fixturesScript());
  if (path === '/' || path === '/index.html') {
    const html = readFileSync(join(dist, 'index.html'), 'utf8').replace(
      '<script type="module"',
      '<script src="/dev/fixtures.js"></script>\n    <script src="/dev/mock.js"></script>\n    <script type="module"',
    );
    return send(res, 200, TYPES['.html'], html);
  }
  const file = normalize(join(dist, path));
  if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
    console.log(`serve: 404 ${path}`);
    return send(res, 404, 'text/plain', 'not found');
  }
  return send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
});

if (!existsSync(join(dist, 'index.html'))) {
  console.error('serve: ui/dist is missing; run `npm run build` first');
  process.exit(1);
}
server.listen(port, '127.0.0.1', () => console.log(`serve: http://127.0.0.1:${port}/ (mock desk, app CSP)`));
