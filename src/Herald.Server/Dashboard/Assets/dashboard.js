// The dashboard's entry point: signing in and out, and what a failed request means. The API key
// lives in sessionStorage, so it is gone when the tab closes and never leaves this origin.
//
// A signed-in session is an Api with the key, an AbortSignal that stops all its polls and
// listeners at sign-out, and the two callbacks every panel reports to (see poller.js).

import { Api, ApiError } from './api.js';
import { startOverview, clearOverview } from './overview.js';
import { startHotTopics } from './hot-topics.js';
import { startClients } from './clients.js';
import { startRetained } from './retained.js';
import { startCluster } from './cluster.js';
import { clearRows } from './dom.js';

const KEY_STORAGE = 'herald.apiKey';

const signInSection = document.getElementById('sign-in');
const signInForm = document.getElementById('sign-in-form');
const keyInput = document.getElementById('api-key');
const signInButton = document.getElementById('sign-in-submit');
const signInError = document.getElementById('sign-in-error');
const dashboard = document.getElementById('dashboard');
const signOutButton = document.getElementById('sign-out');
const pollStatus = document.getElementById('poll-status');

let stopSession = null;

signInForm.addEventListener('submit', async event => {
  event.preventDefault();
  signInButton.disabled = true;
  await signIn(keyInput.value);
  signInButton.disabled = false;
});

signOutButton.addEventListener('click', () => signOut(null));

const savedKey = sessionStorage.getItem(KEY_STORAGE);
if (savedKey) signIn(savedKey);
else showSignIn(null);

/** Tries the key on GET /stats: the dashboard opens only when the server accepts it. */
async function signIn(key) {
  let api;
  let first;
  let scopes;
  try {
    api = new Api(key);
    first = await api.get('stats');
    ({ scopes } = await api.get('key'));
  } catch (error) {
    // Only a refusal forgets a saved key; a server that is restarting may take it again.
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) sessionStorage.removeItem(KEY_STORAGE);
    showSignIn(signInProblem(error));
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  keyInput.value = '';
  // Kick and Delete need the admin scope: a key without it is not offered them.
  dashboard.classList.toggle('read-only', !scopes.includes('admin'));
  signInSection.hidden = true;
  dashboard.hidden = false;
  signOutButton.hidden = false;
  showReachable(true);

  stopSession?.();
  const controller = new AbortController();
  stopSession = () => controller.abort();
  const session = { api, signal: controller.signal, answered: () => showReachable(true), failed };
  startOverview(session, first);
  startHotTopics(session);
  startClients(session);
  startRetained(session);
  startCluster(session);
}

function signOut(problem) {
  stopSession?.();
  stopSession = null;
  sessionStorage.removeItem(KEY_STORAGE);
  clearOverview();
  for (const body of dashboard.querySelectorAll('tbody')) clearRows(body);
  for (const input of dashboard.querySelectorAll('input')) input.value = '';
  for (const error of dashboard.querySelectorAll('.error')) error.hidden = true;
  showSignIn(problem);
}

/**
 * What a failed request of a signed-in session means: a key no longer accepted signs out, a
 * server that does not answer shows in the top bar; anything else is returned for the panel.
 */
function failed(error) {
  const status = error instanceof ApiError ? error.status : null;
  if (status === 401) {
    signOut(`The server no longer accepts this key. ${error.message}`);
    return null;
  }
  if (status === 0) {
    showReachable(false);
    return null;
  }
  return error.message;
}

function showSignIn(problem) {
  dashboard.hidden = true;
  signOutButton.hidden = true;
  pollStatus.hidden = true;
  signInSection.hidden = false;
  signInError.textContent = problem ?? '';
  signInError.hidden = problem === null;
  keyInput.focus();
}

function signInProblem(error) {
  const status = error instanceof ApiError ? error.status : 0;
  if (status === 401) return `Key refused. ${error.message}`;
  if (status === 403) return `This key may not read the server's numbers. ${error.message}`;
  return `Sign-in failed. ${error.message}`;
}

function showReachable(reachable) {
  pollStatus.hidden = false;
  pollStatus.textContent = reachable ? 'live' : 'server not answering';
  pollStatus.classList.toggle('down', !reachable);
}
