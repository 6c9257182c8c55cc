// Serves ui/dist/ on http://127.0.0.1:PORT (default 5178) with the app's CSP, plus ui/dev/mock.js
// standing in for Tauri, so the UI can be looked at (and screenshotted by dev/shots.mjs) in a plain
// browser: `npm run build && node dev/serve.mjs`. Development only; nothing here reaches dist/.
// The CSP is the app's (requirements APP-19), so a violation shows in the browser console here too.

import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFixtures } from './fixtures.mjs';

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

function fixturesScript() {
  return `window.__FIXTURES__ = ${JSON.stringify(readFixtures())};\n`;
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
