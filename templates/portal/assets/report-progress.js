// Follows the reports being built on this page: polls each one's status every second and moves
// its progress bar; when one is ready, its row shows the downloads (by reloading the page once).

const POLL_MS = 1000;

function follow(row) {
  const status = row.querySelector('[data-report-status]');
  const bar = status?.querySelector('progress');
  const message = status?.querySelector('[data-report-message]');
  const tick = async () => {
    try {
      const res = await fetch(`/v1/reports/${row.dataset.report}`, { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const report = await res.json();
      if (report.status === 'succeeded' || report.status === 'failed') {
        location.reload();
        return;
      }
      if (bar) bar.value = report.progress;
      if (message)
        message.textContent = `${report.progress}% ${report.progressMessage ?? report.status}`;
    } catch (error) {
      if (message) message.textContent = `progress unavailable (${error.message}); retrying`;
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
}

for (const row of document.querySelectorAll('[data-report][data-status]')) {
  if (row.dataset.status !== 'succeeded' && row.dataset.status !== 'failed') follow(row);
}
