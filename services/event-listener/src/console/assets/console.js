// Live rows for the deliveries list: the server renders (and escapes) each row; this only places it.

document.addEventListener('DOMContentLoaded', () => {
  const table = document.querySelector('tbody[data-live]');
  if (!table || typeof EventSource === 'undefined') return;
  const status = document.getElementById('live-status');
  const source = new EventSource(table.dataset.live);
  source.addEventListener('open', () => {
    table.dataset.connected = 'true';
    if (status) status.textContent = 'Live: new deliveries appear at the top.';
  });
  source.addEventListener('error', () => {
    table.dataset.connected = 'false';
    if (status) status.textContent = 'Live updates paused; reconnecting…';
  });
  source.addEventListener('delivery', (event) => {
    const template = document.createElement('template');
    template.innerHTML = event.data;
    const row = template.content.firstElementChild;
    if (!row || document.getElementById(row.id)) return;
    row.classList.add('fresh');
    table.querySelector('tr.empty')?.remove();
    table.prepend(row);
  });
});
