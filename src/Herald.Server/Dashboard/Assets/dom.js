// Building the page from API data. Every value from the server goes in as text (textContent),
// never as markup: a topic, a client id or a payload is whatever a client chose to send.

const rendered = new WeakMap();

/** A table cell holding `text`. */
export function cell(text, className = '') {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** A table cell holding a button that calls `onClick` with the button. */
export function buttonCell(label, testId, onClick) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'danger small';
  button.textContent = label;
  button.dataset.testid = testId;
  button.addEventListener('click', () => onClick(button));
  const td = cell('', 'action');
  td.append(button);
  return td;
}

/**
 * Replaces the rows of `body` with one `rowOf(item)` per item, or one row saying `emptyText`.
 * Skipped when the items equal the last ones shown, so a poll that changes nothing keeps the
 * hover, the focus and the text selection an operator has in the table.
 */
export function renderRows(body, items, rowOf, emptyText) {
  const snapshot = JSON.stringify(items);
  if (rendered.get(body) === snapshot) return;
  rendered.set(body, snapshot);
  if (items.length === 0) {
    const empty = cell(emptyText, 'empty');
    empty.colSpan = body.closest('table').tHead.rows[0].cells.length;
    const row = document.createElement('tr');
    row.append(empty);
    body.replaceChildren(row);
    return;
  }
  body.replaceChildren(...items.map(rowOf));
}

/** Empties `body`, for the next operator to sign in. */
export function clearRows(body) {
  rendered.delete(body);
  body.replaceChildren();
}

/** Sets the text of the element with data-testid `testId`, and its exact value in data-value. */
export function setStat(testId, text, value = text) {
  const element = document.querySelector(`[data-testid="${testId}"]`);
  element.textContent = text;
  element.dataset.value = String(value);
}

/** Calls `action` once `element` has stopped changing for a moment: one request per search, not per keystroke. */
export function onSettledInput(element, action, signal) {
  let timer;
  element.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(action, 250);
  }, { signal });
}
