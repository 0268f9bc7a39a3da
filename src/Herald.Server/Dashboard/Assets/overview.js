// The tiles and the rate chart, from GET /api/v1/stats once a second. The server gives running
// totals; rates are the difference between two polls over the time between them.

import { Poller } from './poller.js';
import { RateChart } from './rate-chart.js';
import { setStat } from './dom.js';
import { formatCount, formatDuration, formatRate } from './format.js';

const POLL_MS = 1_000;

const TILES = [
  ['stat-connections', 'connections'],
  ['stat-sessions', 'sessions'],
  ['stat-subscriptions', 'subscriptions'],
  ['stat-retained-messages', 'retained_messages'],
  ['stat-messages-received', 'messages_received'],
  ['stat-messages-sent', 'messages_sent'],
  ['stat-messages-dropped', 'messages_dropped'],
];

let chart;

/** Shows `first` (the answer that signed the operator in) and polls for the next ones. */
export function startOverview(session, first) {
  chart ??= new RateChart(document.getElementById('rate-chart'));
  chart.clear();
  let previous = null;
  const show = stats => {
    const at = performance.now();
    showTiles(stats);
    // A restarted server starts its totals again: a new started_at begins a new line.
    if (previous && previous.stats.started_at === stats.started_at) {
      const seconds = (at - previous.at) / 1000;
      const received = (stats.messages_received - previous.stats.messages_received) / seconds;
      const sent = (stats.messages_sent - previous.stats.messages_sent) / seconds;
      setStat('stat-messages-received-rate', formatRate(received), received);
      setStat('stat-messages-sent-rate', formatRate(sent), sent);
      chart.add(at, received, sent);
    } else {
      chart.clear();
    }
    previous = { at, stats };
  };
  show(first);
  const poller = new Poller({
    every: POLL_MS,
    load: () => session.api.get('stats'),
    show,
    session,
    errorElement: document.getElementById('overview-error'),
  });
  setTimeout(() => poller.refresh(), POLL_MS);
}

/** Blanks every number, so nothing of one sign-in shows before the next one's first answer. */
export function clearOverview() {
  for (const element of document.querySelectorAll('.tiles [data-testid], #version')) {
    element.textContent = '';
    delete element.dataset.value;
  }
  chart?.clear();
}

function showTiles(stats) {
  for (const [testId, field] of TILES) setStat(testId, formatCount(stats[field]), stats[field]);
  setStat('stat-uptime', formatDuration(stats.uptime_seconds), stats.uptime_seconds);
  setStat('stat-started-at', `since ${new Date(stats.started_at).toLocaleString()}`, stats.started_at);
  setStat('stat-version', stats.version);
  const reasons = Object.entries(stats.messages_dropped_by_reason).filter(([, count]) => count > 0);
  const reasonText = reasons.map(([reason, count]) => `${reason} ${formatCount(count)}`).join(', ');
  setStat('stat-messages-dropped-reasons', reasonText || 'none', reasonText);
}
