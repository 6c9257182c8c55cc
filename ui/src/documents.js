// The documents tab (manual step 6): each Document's CDA sections as readable text, and its files:
// image thumbnails that open full size in the overlay, PDFs drawn by pdf.js in the overlay. File
// bytes come only from the `document` command, become blob: URLs (the CSP allows img-src blob:), and
// every URL made here is revoked when the record leaves the screen (close, lock, end).

import { h } from './dom.js';
import { formatDay, formatFacility, label } from './format.js';
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
      signatureBadges(doc.signatures?.[0], v),
      h('p', { class: 'row-source' },
        formatFacility(doc.facility, v.lang), ' ・ ', formatDay(doc.date, v.lang),
        doc.author ? ` ・ ${v.t('doc.author')}: ${doc.author}` : null),
    ),
    (doc.signatures ?? []).filter((s) => s.outcome !== 'unsigned').map((s) => renderSignature(s, v)),
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

// The row's word for the signature most in need of attention (the desk orders them), and a second
// badge when the signer is not a physician: a pharmacist-signed "referral" reads as what it is.
function signatureBadges(sig, v) {
  if (!sig) return null;
  const roles = sig.roles?.length ? sig.roles.join('・') : v.t('sig.noRole');
  return [
    h('span', { class: ['badge', 'signature', `sig-${sig.outcome}`], dataset: { outcome: sig.outcome } }, label(sig.words, v.lang)),
    sig.outcome !== 'unsigned' && sig.signer !== null && !sig.physician
      ? h('span', { class: ['badge', 'signature', 'not-physician'] }, v.t('sig.notPhysician', { roles }))
      : null,
    sig.rechecked === false ? h('span', { class: ['badge', 'signature', 'sig-invalid', 'recheck-failed'] }, v.t('sig.recheck.failed', { reason: sig.recheckReason ?? '' })) : null,
  ];
}

// The viewer's account of one signature: who, with which qualification, when and by whose clock,
// revocation, the hub's reason, and this laptop's own re-check.
function renderSignature(sig, v) {
  const line = (key, value) => (value ? h('li', {}, `${v.t(key)}: `, value) : null);
  const when = sig.signedAt
    ? `${formatDay(sig.signedAt, v.lang)} ${v.t(`sig.basis.${sig.timeBasis}`, { authority: sig.timestampAuthority ?? '' })}`
    : v.t('sig.basis.verification');
  return h('section', { class: ['signature-detail', `sig-${sig.outcome}`], dataset: { outcome: sig.outcome } },
    h('h4', {}, v.t('sig.heading'), ' ', h('span', { class: ['badge', 'signature', `sig-${sig.outcome}`] }, label(sig.words, v.lang))),
    h('ul', {},
      line('sig.signer', [sig.signer, sig.organization].filter(Boolean).join('・')),
      line('sig.role', sig.roles?.length ? sig.roles.join('・') : v.t('sig.noRole')),
      h('li', {}, `${v.t('sig.signedAt')}: ${when}`),
      line('sig.reason', sig.reason),
      h('li', {}, v.t(`sig.revocation.${sig.revocation}`)),
      line('sig.file', `${sig.file}・${v.t(`sig.form.${sig.form}`, { file: sig.signatureFile ?? '' })}`),
      line('sig.checkedAt', sig.checkedAt ? formatDay(sig.checkedAt, v.lang) : null),
      (sig.notes ?? []).map((n) => h('li', { class: 'detail' }, n)),
      sig.rechecked === true ? h('li', { class: 'recheck-ok' }, v.t('sig.recheck.ok')) : null,
      sig.rechecked === false ? h('li', { class: 'notice bad recheck-failed' }, v.t('sig.recheck.failed', { reason: sig.recheckReason ?? '' })) : null,
    ),
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
  // A detached signature: its result is shown above the letter, not as a file to open.
  if (type === 'application/pkcs7-signature') {
    return h('p', { class: 'signature-file', dataset: { file: file.name } }, v.t('doc.signatureFile', { name: file.name }));
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
