// Follows a full verification of the log that is running: polls its status every second, moves
// the progress bar, and reloads the dashboard once when the result is in.

const POLL_MS = 1000;

function follow(box) {
  const bar = box.querySelector('progress');
  const message = box.querySelector('[data-verification-message]');
  const tick = async () => {
    try {
      const res = await fetch(`/v1/log/verifications/${box.dataset.verification}`, {
        credentials: 'same-origin',
      });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const v = await res.json();
      if (v.status === 'succeeded' || v.status === 'failed') {
        location.reload();
        return;
      }
      if (bar) bar.value = v.progress;
      if (message) message.textContent = `${v.progress}% ${v.progressMessage ?? v.status}`;
    } catch (error) {
      if (message) message.textContent = `progress unavailable (${error.message}); retrying`;
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
}

for (const box of document.querySelectorAll('[data-verification][data-status]')) follow(box);
