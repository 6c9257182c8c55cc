// PDFs from documents (referral letters, scanned reports), drawn page by page onto canvases with
// pdf.js (the legacy build, for WebKitGTK). Owns the settings that keep pdf.js inside the app's CSP:
// no eval (`isEvalSupported: false`), no font-face injection (`disableFontFace`: glyphs are drawn as
// paths), no WebAssembly (the CSP has no 'wasm-unsafe-eval'), and no fetch (connect-src allows only
// IPC): CMaps and standard fonts are read from JS modules that scripts/build.mjs made from
// pdf.js's binary files, through `ModuleBinaryData` below.

const PDFJS = './vendor/pdfjs/pdf.mjs';
const MAX_PAGES = 50;

let pdfjsPromise = null;

function loadPdfjs() {
  if (!pdfjsPromise) {
    pdfjsPromise = import(PDFJS).then((pdfjs) => {
      pdfjs.GlobalWorkerOptions.workerSrc = new URL('./vendor/pdfjs/pdf.worker.mjs', import.meta.url).href;
      return pdfjs;
    });
  }
  return pdfjsPromise;
}

/** pdf.js's binary data (CMaps, standard fonts) from `<base><file>.js` modules exporting base64. */
export class ModuleBinaryData {
  constructor({ cMapUrl = null, standardFontDataUrl = null, wasmUrl = null } = {}) {
    this.cMapUrl = cMapUrl;
    this.standardFontDataUrl = standardFontDataUrl;
    this.wasmUrl = wasmUrl;
  }

  async fetch({ kind, filename }) {
    const base = this[kind];
    if (kind === 'wasmUrl' || !base || /[/\\]/.test(filename)) {
      throw new Error(`pdf data ${kind} ${filename} is not bundled`);
    }
    const module = await import(`${base}${filename}.js`);
    return base64ToBytes(module.default);
  }
}

export function base64ToBytes(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Renders the PDF `bytes` into `container`, one canvas per page scaled to `width` CSS pixels.
 * Returns a handle whose `destroy()` releases the document (called when the overlay closes).
 */
export async function renderPdf(bytes, container, { width = 900, pageLabel = (n) => `${n}` } = {}) {
  const pdfjs = await loadPdfjs();
  const vendor = (path) => new URL(`./vendor/pdfjs/${path}`, import.meta.url).href;
  const task = pdfjs.getDocument({
    data: bytes,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWasm: false,
    useWorkerFetch: false,
    enableXfa: false,
    BinaryDataFactory: ModuleBinaryData,
    cMapUrl: vendor('cmaps/'),
    cMapPacked: true,
    standardFontDataUrl: vendor('standard_fonts/'),
    // Only for the worker's JS (no-WebAssembly) JPEG 2000 decoder, imported as a module.
    wasmUrl: vendor('wasm/'),
  });
  const doc = await task.promise;
  const ratio = globalThis.devicePixelRatio || 1;
  const pages = Math.min(doc.numPages, MAX_PAGES);
  for (let n = 1; n <= pages; n += 1) {
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: (width / base.width) * ratio });
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
    canvas.className = 'pdf-page';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', pageLabel(n));
    container.append(canvas);
    await page.render({ canvas, viewport }).promise;
  }
  return { pages: doc.numPages, destroy: () => task.destroy() };
}
