// The busiest topics of the chosen window, from GET /api/v1/topics/hot. The server counts with a
// bounded sketch, so a count may be over by up to error_bound; the note under the table says so.
// The cluster's scope sums every node's top topics.

import { Poller } from './poller.js';
import { cell, renderRows } from './dom.js';
import { formatBytes, formatCount, formatDuration } from './format.js';

const POLL_MS = 3_000;
const LIMIT = 20;

export function startHotTopics(session) {
  const body = document.getElementById('hot-topics');
  const windowSelect = document.getElementById('hot-window');
  const scopeSelect = document.getElementById('hot-scope');
  const note = document.getElementById('hot-topics-note');
  const poller = new Poller({
    every: POLL_MS,
    load: () => session.api.get(`topics/hot?window=${encodeURIComponent(windowSelect.value)}&scope=${scopeSelect.value}&limit=${LIMIT}`),
    show: hot => {
      renderRows(body, hot.topics, rowOf, 'No messages in this window.');
      const bound = hot.error_bound > 0 ? `; counts may be over by up to ${formatCount(hot.error_bound)}` : '';
      note.textContent = `${formatCount(hot.total_messages)} messages, ${formatBytes(hot.total_bytes)} `
        + `in the last ${formatDuration(hot.covered_seconds)}${bound}.`;
    },
    session,
    errorElement: document.getElementById('hot-topics-error'),
  });
  windowSelect.addEventListener('change', () => poller.refresh(), { signal: session.signal });
  scopeSelect.addEventListener('change', () => poller.refresh(), { signal: session.signal });
  poller.refresh();
}

function rowOf(topic) {
  const row = document.createElement('tr');
  row.dataset.testid = 'hot-topic-row';
  row.dataset.topic = topic.topic;
  row.append(
    cell(topic.topic, 'topic'),
    cell(formatCount(topic.messages), 'number'),
    cell(topic.messages_per_second.toFixed(2), 'number'),
    cell(formatBytes(topic.bytes), 'number'),
    cell(formatCount(topic.subscribers), 'number'),
  );
  return row;
}
