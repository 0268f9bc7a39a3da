// How numbers read on the page. The exact value of a tile stays in its data-value attribute;
// these are for the eye only.

const counts = new Intl.NumberFormat('en-US');
const decimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** 1234567 → "1,234,567". */
export function formatCount(value) {
  return counts.format(value);
}

/** A chart label: 0.25, 12, 1.5K. */
export function formatNumber(value) {
  return value >= 10_000 ? compact.format(value) : decimals.format(value);
}

/** Messages per second, one decimal under ten: "0.4/s", "1,250/s". */
export function formatRate(value) {
  return `${value < 10 ? value.toFixed(1) : counts.format(Math.round(value))}/s`;
}

/** The two largest units of a duration in seconds: "3d 4h", "5m 12s", "8s". */
export function formatDuration(seconds) {
  const units = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  let rest = Math.max(0, Math.floor(seconds));
  const parts = [];
  for (const [name, size] of units) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0 || parts.length > 0) parts.push(`${amount}${name}`);
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}

/** An ISO time as the local time of day when it is today, else with its date too. */
export function formatTime(iso) {
  const time = new Date(iso);
  const today = time.toDateString() === new Date().toDateString();
  return today ? time.toLocaleTimeString() : time.toLocaleString();
}

/** 1536 → "1.5 KiB". */
export function formatBytes(value) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${scaled.toFixed(1)} ${units[unit]}`;
}
