// DOM building for every screen. Owns the one way text reaches the page: as text nodes, never as
// HTML, so a name or a report with "<" in it can never become markup (and the strict CSP forbids
// inline styles and scripts anyway).

/**
 * Creates an element.
 * `attrs`: `class` (string or array; falsy entries are dropped), `dataset` (object), `on` (event →
 * handler), booleans such as `disabled`/`hidden`/`checked` (set only when true), anything else as an
 * attribute. `children`: nodes, strings, numbers, arrays of those; null/undefined/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') {
      const names = Array.isArray(value) ? value.filter(Boolean) : [value];
      if (names.length > 0) el.className = names.join(' ');
    } else if (name === 'dataset') {
      for (const [key, v] of Object.entries(value)) {
        if (v !== undefined && v !== null) el.dataset[key] = String(v);
      }
    } else if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (name === 'value') {
      el.value = value;
    } else if (value === true) {
      el.setAttribute(name, '');
      if (name === 'checked' || name === 'disabled' || name === 'selected') el[name] = true;
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Removes every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}
