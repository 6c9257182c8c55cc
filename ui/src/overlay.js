// The one full-screen overlay (a full-size image or a PDF from a document). Owns keyboard handling
// while it is open: the page behind is inert, Escape and a big close button close it, and focus goes
// back to the thumbnail that opened it. Lock and end close it, so no patient image outlives them.

import { h } from './dom.js';
import { t } from './i18n.js';

let current = null;

/** Opens `body` full screen under `title`; `onClose` runs once when it closes for any reason. */
export function openOverlay({ title, body, lang, onClose }) {
  closeOverlay();
  const opener = document.activeElement;
  const app = document.getElementById('app');
  const closeButton = h('button', { type: 'button', id: 'overlay-close', class: 'primary', on: { click: () => closeOverlay() } },
    t(lang, 'overlay.close'));
  const el = h('div', { class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    h('div', { class: 'overlay-bar' }, h('h2', {}, title), closeButton),
    h('div', { class: 'overlay-body' }, body),
  );
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      closeOverlay();
    }
  });
  app?.setAttribute('inert', '');
  document.body.append(el);
  closeButton.focus();
  current = { el, opener, onClose, app };
  return el;
}

export function closeOverlay() {
  if (!current) return;
  const { el, opener, onClose, app } = current;
  current = null;
  el.remove();
  app?.removeAttribute('inert');
  try {
    onClose?.();
  } finally {
    if (opener && document.contains(opener) && typeof opener.focus === 'function') opener.focus();
  }
}

export function overlayIsOpen() {
  return current !== null;
}
