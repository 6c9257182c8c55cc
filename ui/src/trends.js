// Lab trend plots with uPlot (a small charting library, style.md: "use a chart library rather than
// hand-drawing"). A Trend arrives ready to plot (numeric points, oldest first, docs/app.md "Trend");
// this module only turns its dates into the time axis and keeps track of live plots so they can be
// destroyed with the screen (uPlot listens to window resizes until destroyed).

import uPlot from './vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';
import { formatDay } from './format.js';

const live = new Set();

/** Seconds since the epoch for a Day, read as UTC so the axis shows the date as written. */
export function dayToSeconds(day) {
  if (!day?.iso) return null;
  const ms = Date.parse(`${day.iso}T${day.time ?? '00:00'}:00Z`);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

function utcDate(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** The points as uPlot's columns, skipping any the axis cannot place. */
export function trendColumns(trend) {
  const xs = [];
  const ys = [];
  for (const p of trend?.points ?? []) {
    const x = dayToSeconds(p.date);
    if (x === null || typeof p.value !== 'number') continue;
    xs.push(x);
    ys.push(p.value);
  }
  return [xs, ys];
}

/** What the plot shows, in words, for screen readers and as the fallback when drawing fails. */
export function trendWords(trend, lang) {
  const points = (trend?.points ?? []).map((p) => `${p.value}${p.flag ? ` ${p.flag}` : ''} (${formatDay(p.date, lang)})`);
  return `${trend?.name ?? ''}${trend?.unit ? ` [${trend.unit}]` : ''}: ${points.join(', ')}`;
}

/**
 * Draws `trend` into `container`. `small` is the summary's sparkline (no axes); otherwise a full
 * plot with date and value axes. `canvasId` names the plot's canvas (e.g. "lab-chart"). Returns false
 * when the plot could not be drawn, leaving the words in its place.
 */
export function plotTrend(container, trend, { width, height, small = false, canvasId = null, lang = 'ja', failedText = '' } = {}) {
  const words = trendWords(trend, lang);
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', words);
  const data = trendColumns(trend);
  const axisFont = '16px "Noto Sans CJK JP", "Noto Sans JP", sans-serif';
  const opts = {
    width,
    height,
    // Without axes the first and newest points sat on the canvas edge, half cut off: a sparkline
    // keeps room for its dots on every side.
    ...(small ? { padding: [8, 10, 8, 10] } : {}),
    legend: { show: false },
    cursor: { show: false },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true } },
    series: [
      {},
      {
        label: trend.name,
        stroke: '#003c9e',
        width: small ? 2 : 3,
        points: { show: true, size: small ? 6 : 9, fill: '#003c9e', stroke: '#003c9e' },
      },
    ],
    axes: small
      ? [{ show: false }, { show: false }]
      : [
          {
            stroke: '#000',
            font: axisFont,
            grid: { stroke: '#bbb', width: 1 },
            ticks: { stroke: '#000' },
            values: (u, splits) => splits.map(utcDate),
            space: 110,
          },
          {
            stroke: '#000',
            font: axisFont,
            grid: { stroke: '#bbb', width: 1 },
            ticks: { stroke: '#000' },
            size: 70,
            label: trend.unit || undefined,
            labelFont: axisFont,
          },
        ],
  };
  try {
    const plot = new uPlot(opts, data, container);
    live.add(plot);
    const canvas = plot.root.querySelector('canvas');
    if (canvas && canvasId) canvas.id = canvasId;
    return true;
  } catch {
    container.append(h('p', { class: 'chart-failed' }, failedText ? `${failedText} ` : '', words));
    return false;
  }
}

/** Destroys every live plot (called before a screen is replaced). */
export function destroyPlots() {
  for (const plot of live) {
    try {
      plot.destroy();
    } catch {
      // A plot whose DOM already left the page has nothing left to release.
    }
  }
  live.clear();
}
