// The fixtures the development mock (dev/mock.js) answers from: every JSON file the real desk
// rendered into test/fixtures (crates/desk/tests/contract.rs), by name, plus a sample PDF for the
// document viewer. The dev server (dev/serve.mjs) serves them as window.__FIXTURES__, and
// test/mock.test.js loads the mock over exactly this object.

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');

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

/** Every fixture by its file name without `.json`, and `pdf` (base64). */
export function readFixtures() {
  const dir = join(ui, 'test/fixtures');
  const fixtures = {};
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    fixtures[name.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  }
  fixtures.pdf = samplePdf();
  return fixtures;
}
