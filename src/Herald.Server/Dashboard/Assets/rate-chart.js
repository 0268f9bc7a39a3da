// Messages in and out per second over the last two minutes, drawn by hand on a canvas: the page
// loads nothing from outside, so there is no chart library. At one sample a second the chart holds
// about 120 points per line, so it simply redraws everything on each sample and on each resize.
// The line colours are the CSS variables --received and --sent, which the legend uses too.

import { formatNumber } from './format.js';

const WINDOW_MS = 120_000;
const PADDING = { left: 44, right: 8, top: 8, bottom: 20 };
const GRID_LINES = 4;

export class RateChart {
  #canvas;
  #samples = [];

  constructor(canvas) {
    this.#canvas = canvas;
    new ResizeObserver(() => this.#draw()).observe(canvas);
  }

  /** Adds the rates measured at `at` (milliseconds, monotonic) and forgets samples older than the window. */
  add(at, received, sent) {
    this.#samples.push({ at, received, sent });
    while (this.#samples[0].at < at - WINDOW_MS) this.#samples.shift();
    this.#draw();
  }

  clear() {
    this.#samples = [];
    this.#draw();
  }

  #draw() {
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);

    const style = getComputedStyle(canvas);
    const plot = {
      left: PADDING.left,
      top: PADDING.top,
      width: width - PADDING.left - PADDING.right,
      height: height - PADDING.top - PADDING.bottom,
    };
    if (plot.width <= 0 || plot.height <= 0) return;

    const peak = Math.max(0, ...this.#samples.map(s => Math.max(s.received, s.sent)));
    const top = niceCeiling(peak);
    drawAxes(context, plot, top, style);

    const now = this.#samples.length > 0 ? this.#samples[this.#samples.length - 1].at : 0;
    const x = at => plot.left + (1 - (now - at) / WINDOW_MS) * plot.width;
    const y = value => plot.top + (1 - value / top) * plot.height;
    // In and out are often equal (one subscriber per topic): the wide line under the narrow one
    // keeps both visible where they overlap.
    drawLine(context, this.#samples, s => s.sent, x, y, style.getPropertyValue('--sent'), 4);
    drawLine(context, this.#samples, s => s.received, x, y, style.getPropertyValue('--received'), 1.5);
  }
}

function drawAxes(context, plot, top, style) {
  context.font = `11px ${style.fontFamily}`;
  context.fillStyle = style.getPropertyValue('--muted');
  context.strokeStyle = style.getPropertyValue('--grid');
  context.lineWidth = 1;

  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (let i = 0; i <= GRID_LINES; i++) {
    const value = (top * i) / GRID_LINES;
    const y = Math.round(plot.top + plot.height - (plot.height * i) / GRID_LINES) + 0.5;
    context.beginPath();
    context.moveTo(plot.left, y);
    context.lineTo(plot.left + plot.width, y);
    context.stroke();
    context.fillText(formatNumber(value), plot.left - 6, y);
  }

  context.textBaseline = 'top';
  const labels = [['2 min ago', 'left'], ['1 min ago', 'center'], ['now', 'right']];
  labels.forEach(([text, align], i) => {
    context.textAlign = align;
    context.fillText(text, plot.left + (plot.width * i) / 2, plot.top + plot.height + 5);
  });
}

function drawLine(context, samples, valueOf, x, y, color, width) {
  if (samples.length < 2) return;
  context.strokeStyle = color;
  context.lineWidth = width;
  context.lineJoin = 'round';
  context.beginPath();
  samples.forEach((sample, i) => {
    const point = [x(sample.at), y(valueOf(sample))];
    if (i === 0) context.moveTo(...point);
    else context.lineTo(...point);
  });
  context.stroke();
}

/** The smallest of 1, 2 or 5 times a power of ten that is at least `value`, so grid labels are round. */
function niceCeiling(value) {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}
