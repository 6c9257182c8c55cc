// The documents tab (manual step 6): each Document's CDA sections as readable text, and its files:
// image thumbnails that open full size in the overlay, PDFs drawn by pdf.js in the overlay. File
// bytes come only from the `document` command, become blob: URLs (the CSP allows img-src blob:), and
// every URL made here is revoked when the record leaves the screen (close, lock, end).

import { h } from './dom.js';
import { formatDay, formatFacility } from './format.js';
import { openOverlay } from './overlay.js';
import { base64ToBytes, renderPdf } from './pdfview.js';

const urls = new Set();

export function objectUrl(base64, mediaType) {
  const url = URL.createObjectURL(new Blob([base64ToBytes(base64)], { type: mediaType }));
  urls.add(url);
  return url;
}

/** Revokes every blob: URL this module made. */
export function revokeDocumentUrls() {
  for (const url of urls) URL.revokeObjectURL(url);
  urls.clear();
}

export function renderDocuments(documents, v) {
  return h('ul', { class: 'documents' }, documents.map((d, i) => h('li', {}, renderDocument(d, i, v))));
}

function renderDocument(doc, index, v) {
  return h('article', { class: ['document', doc.referral ? 'referral' : null], 'aria-labelledby': `doc-${index}` },
    h('header', { class: 'document-head' },
      h('h3', { id: `doc-${index}` }, doc.title || ''),
      doc.referral ? h('span', { class: 'badge' }, v.t('doc.referral')) : null,
      h('p', { class: 'row-source' },
        formatFacility(doc.facility, v.lang), ' ・ ', formatDay(doc.date, v.lang),
        doc.author ? ` ・ ${v.t('doc.author')}: ${doc.author}` : null),
    ),
    (doc.sections ?? []).map((s) =>
      h('section', { class: 'document-section' },
        s.title ? h('h4', {}, s.title) : null,
        h('p', { class: 'document-text' }, s.text ?? ''),
      ),
    ),
    doc.files?.length
      ? h('div', { class: 'document-files' },
          h('h4', {}, v.t('doc.files')),
          h('ul', { class: 'file-list' }, doc.files.map((f) => h('li', {}, renderFile(f, v, doc)))),
        )
      : null,
  );
}

function renderFile(file, v, doc) {
  const type = file.mediaType ?? '';
  // A file the snapshot does not carry (the desk's note says why) is named, not offered.
  if (file.blob === null || file.blob === undefined) {
    return h('p', { class: 'unsupported' }, v.t('doc.notKept', { name: file.name }), file.note ? h('span', { class: 'detail' }, ` ${file.note}`) : null);
  }
  if (type.startsWith('image/')) return imageThumb(file, v);
  if (type === 'application/pdf') {
    return h('button', { type: 'button', class: 'secondary open-pdf', on: { click: () => openPdf(file, v) } },
      v.t('doc.openPdf', { name: file.name }));
  }
  // The CDA itself, whose sections are already shown above as text: named as the original, not as
  // something that failed.
  if (type.includes('xml') && (doc?.sections ?? []).length > 0) {
    return h('p', { class: 'cda-original', dataset: { file: file.name } }, v.t('doc.cdaOriginal'));
  }
  return h('p', { class: 'unsupported' }, v.t('doc.unsupported', { name: file.name, type }));
}

function imageThumb(file, v) {
  const img = h('img', { class: 'thumb-img', alt: file.name });
  const button = h('button', { type: 'button', class: 'thumb', on: { click: () => openImage(file, v) } },
    img, h('span', {}, v.t('doc.openImage', { name: file.name })));
  const blob = file.thumbnail ?? null;
  if (blob !== null) {
    v.actions
      .loadDocument(blob)
      .then((answer) => {
        if (answer) img.src = objectUrl(answer.base64, answer.mediaType);
      })
      .catch(() => {
        // Bytes that do not decode leave the thumbnail empty; the button still opens the full image.
      });
  }
  return button;
}

async function openImage(file, v) {
  const body = h('div', { class: 'overlay-image' }, h('p', {}, v.t('doc.loading')));
  openOverlay({ title: file.name, body, lang: v.lang });
  const answer = await v.actions.loadDocument(file.blob);
  body.replaceChildren(answer
    ? h('img', { class: 'full-image', alt: file.name, src: objectUrl(answer.base64, answer.mediaType) })
    : h('p', { class: 'notice bad' }, v.t('doc.failed')));
}

async function openPdf(file, v) {
  const body = h('div', { class: 'overlay-pdf' }, h('p', {}, v.t('doc.loading')));
  let handle = null;
  let closed = false;
  openOverlay({
    title: file.name,
    body,
    lang: v.lang,
    onClose: () => {
      closed = true;
      handle?.destroy();
    },
  });
  const answer = await v.actions.loadDocument(file.blob);
  if (closed) return;
  if (!answer) {
    body.replaceChildren(h('p', { class: 'notice bad' }, v.t('doc.failed')));
    return;
  }
  body.replaceChildren();
  try {
    handle = await renderPdf(base64ToBytes(answer.base64), body, {
      width: Math.min(1000, (globalThis.innerWidth || 1000) - 80),
      pageLabel: (n) => `${file.name} ${n}`,
    });
    if (closed) handle.destroy();
  } catch (error) {
    body.append(h('p', { class: 'notice bad' }, v.t('doc.failed')), h('p', { class: 'detail' }, String(error?.message ?? error)));
  }
}
