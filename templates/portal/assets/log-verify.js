// The dashboard's "verify the whole log" button: runs GET /v1/log/verification and shows the
// result, with a progress bar while the server works.

function start() {
  const button = document.querySelector('[data-verify-log]');
  const progress = document.querySelector('[data-verify-progress]');
  const result = document.querySelector('[data-verify-log-result]');
  if (!button || !progress || !result) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    progress.hidden = false;
    result.textContent = 'Verifying…';
    const started = performance.now();
    try {
      const res = await fetch('/v1/log/verification', { credentials: 'same-origin' });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error?.message ?? `status ${res.status}`);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const problems = body.problems ?? [];
      result.textContent = problems.length === 0
        ? `Verified ${body.size.toLocaleString('en')} entries in ${seconds} s: no problem found.`
        : `${problems.length} problem(s) in ${body.size.toLocaleString('en')} entries: ${problems.slice(0, 5).join('; ')}`;
      result.className = problems.length === 0 ? 'verdict pass' : 'verdict fail';
    } catch (error) {
      result.textContent = `The verification could not run: ${error.message}`;
      result.className = 'verdict fail';
    } finally {
      progress.hidden = true;
      button.disabled = false;
    }
  });
}

start();
