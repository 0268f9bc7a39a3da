// Retained messages matching a topic filter, from GET /api/v1/retained; each row's Delete button
// clears that topic's retained message (DELETE, admin scope) and the list is asked again.

import { Poller } from './poller.js';
import { buttonCell, cell, onSettledInput, renderRows } from './dom.js';
import { formatBytes, formatCount } from './format.js';

const POLL_MS = 5_000;
const LIMIT = 100;
const PREVIEW_CHARACTERS = 80;
const TOOLTIP_CHARACTERS = 2_000;

export function startRetained(session) {
  const body = document.getElementById('retained');
  const filter = document.getElementById('retained-filter');
  const count = document.getElementById('retained-count');
  let poller;
  const remove = (topic, button) => {
    button.disabled = true;
    poller.act(() => session.api.delete(`retained/message?topic=${encodeURIComponent(topic)}`)).finally(() => { button.disabled = false; });
  };
  poller = new Poller({
    every: POLL_MS,
    load: () => session.api.get(`retained?filter=${encodeURIComponent(filter.value.trim() || '#')}&limit=${LIMIT}`),
    show: page => {
      renderRows(body, page.items, message => rowOf(message, remove), 'No retained message matches.');
      count.textContent = page.total > page.items.length
        ? `first ${page.items.length} of ${formatCount(page.total)} matching`
        : `${formatCount(page.total)} matching`;
    },
    session,
    errorElement: document.getElementById('retained-error'),
  });
  onSettledInput(filter, () => poller.refresh(), session.signal);
  poller.refresh();
}

/** The topic as the API's path wants it: its levels as they are, each one URL-encoded. */
function rowOf(message, remove) {
  const row = document.createElement('tr');
  row.dataset.testid = 'retained-row';
  row.dataset.topic = message.topic;
  const payload = message.payload !== null
    ? cell(preview(message.payload), 'mono payload')
    : cell(`binary, ${formatBytes(message.size)}`, 'muted payload');
  payload.title = (message.payload ?? message.payload_base64).slice(0, TOOLTIP_CHARACTERS);
  row.append(
    cell(message.topic, 'topic'),
    payload,
    cell(formatBytes(message.size), 'number'),
    cell(String(message.qos), 'number'),
    buttonCell('Delete', 'delete-retained', button => remove(message.topic, button)),
  );
  return row;
}

function preview(text) {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > PREVIEW_CHARACTERS ? `${oneLine.slice(0, PREVIEW_CHARACTERS)}…` : oneLine;
}
