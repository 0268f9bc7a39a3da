// Connected clients, from GET /api/v1/clients, searched by client id, username or address; each
// row's Kick button disconnects that client (DELETE, admin scope) and the list is asked again.

import { Poller } from './poller.js';
import { buttonCell, cell, onSettledInput, renderRows } from './dom.js';
import { formatCount, formatTime } from './format.js';

const POLL_MS = 3_000;
const LIMIT = 100;

export function startClients(session) {
  const body = document.getElementById('clients');
  const search = document.getElementById('clients-search');
  const count = document.getElementById('clients-count');
  let poller;
  const kick = (clientId, button) => {
    button.disabled = true;
    poller.act(() => session.api.delete(`clients/${encodeURIComponent(clientId)}`)).finally(() => { button.disabled = false; });
  };
  poller = new Poller({
    every: POLL_MS,
    load: () => session.api.get(`clients?search=${encodeURIComponent(search.value.trim())}&limit=${LIMIT}`),
    show: page => {
      renderRows(body, page.items, client => rowOf(client, kick), search.value ? 'No client matches.' : 'No client is connected.');
      count.textContent = page.total > page.items.length ? `first ${page.items.length} of ${formatCount(page.total)}` : formatCount(page.total);
    },
    session,
    errorElement: document.getElementById('clients-error'),
  });
  onSettledInput(search, () => poller.refresh(), session.signal);
  poller.refresh();
}

function rowOf(client, kick) {
  const row = document.createElement('tr');
  row.dataset.testid = 'client-row';
  row.dataset.clientId = client.client_id;
  row.append(
    cell(client.client_id, 'mono'),
    cell(client.username ?? ''),
    cell(client.address, 'mono'),
    cell(client.protocol),
    cell(`${client.keep_alive}s`, 'number'),
    cell(client.connected_at ? formatTime(client.connected_at) : '', 'number'),
    cell(formatCount(client.subscriptions), 'number'),
    cell(formatCount(client.queued), 'number'),
    cell(formatCount(client.inflight), 'number'),
    buttonCell('Kick', 'kick', button => kick(client.client_id, button)),
  );
  row.cells[5].title = client.connected_at ?? '';
  return row;
}
