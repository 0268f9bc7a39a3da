// The nodes of the cluster and their totals, from GET /api/v1/cluster every two seconds. A single
// node answers as a cluster of one; the card then says so in one line. With the cluster's scope
// chosen, the hot topics table sums every node's (see hot-topics.js).

import { Poller } from './poller.js';
import { cell, renderRows, setStat } from './dom.js';
import { formatCount } from './format.js';

const POLL_MS = 2_000;

export function startCluster(session) {
  const body = document.getElementById('cluster-nodes');
  const summary = document.getElementById('cluster-summary');
  const poller = new Poller({
    every: POLL_MS,
    load: () => session.api.get('cluster'),
    show: cluster => {
      renderRows(body, cluster.nodes, rowOf, 'No node answers.');
      const total = cluster.total;
      setStat('cluster-node-count', formatCount(total.nodes), total.nodes);
      setStat('cluster-connections', formatCount(total.connections), total.connections);
      setStat('cluster-messages-received', formatCount(total.messages_received), total.messages_received);
      setStat('cluster-messages-sent', formatCount(total.messages_sent), total.messages_sent);
      summary.textContent = !cluster.enabled
        ? 'A single node (set Herald:Cluster:Redis to join a cluster).'
        : cluster.redis_reachable === false
          ? `Node ${cluster.node}: Redis does not answer; serving its own clients alone.`
          : `This is node ${cluster.node}.`;
      summary.classList.toggle('error', cluster.redis_reachable === false);
    },
    session,
    errorElement: document.getElementById('cluster-error'),
  });
  poller.refresh();
}

function rowOf(node) {
  const row = document.createElement('tr');
  row.dataset.testid = 'cluster-node-row';
  row.dataset.node = node.id;
  const stats = node.stats;
  row.append(
    cell(node.self ? `${node.id} (this node)` : node.id, 'topic'),
    cell(formatCount(stats.connections), 'number'),
    cell(formatCount(stats.sessions), 'number'),
    cell(formatCount(stats.subscriptions), 'number'),
    cell(formatCount(stats.messages_received), 'number'),
    cell(formatCount(stats.messages_sent), 'number'),
    cell(formatCount(stats.queued_messages), 'number'),
  );
  return row;
}
