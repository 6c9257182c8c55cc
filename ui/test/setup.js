// jsdom has no canvas drawing, Path2D or matchMedia. uPlot needs them to build a plot, and the tests
// want uPlot to really run (so #lab-chart is uPlot's canvas), so these stand-ins accept every call
// and draw nothing.

const noop = () => undefined;

function recorder() {
  return new Proxy(
    {},
    {
      get(target, name) {
        if (name in target) return target[name];
        if (name === 'measureText') return () => ({ width: 10, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 });
        return noop;
      },
      set(target, name, value) {
        target[name] = value;
        return true;
      },
    },
  );
}

HTMLCanvasElement.prototype.getContext = function getContext() {
  if (!this.__context) {
    this.__context = recorder();
    this.__context.canvas = this;
  }
  return this.__context;
};

globalThis.Path2D = class Path2D {
  constructor() {
    return recorder();
  }
};

if (!window.matchMedia) {
  window.matchMedia = () => ({ matches: false, addListener: noop, removeListener: noop, addEventListener: noop, removeEventListener: noop });
}

// jsdom has no blob: URLs; these record what was made and revoked so tests can check the cleanup.
let nextBlob = 0;
globalThis.__blobUrls = { made: new Set(), revoked: new Set() };
URL.createObjectURL = () => {
  nextBlob += 1;
  const url = `blob:fieldchart-test/${nextBlob}`;
  globalThis.__blobUrls.made.add(url);
  return url;
};
URL.revokeObjectURL = (url) => {
  globalThis.__blobUrls.revoked.add(url);
};
