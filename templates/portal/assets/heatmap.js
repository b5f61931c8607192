// The context heat map: pointing at or focusing a chunk of the output shades the prompt by what
// that chunk relied on; leaving it restores the shading over the whole output.

const shade = (weight) => {
  const w = Math.max(-1, Math.min(1, weight));
  const alpha = (Math.abs(w) * 0.55).toFixed(2);
  return w >= 0 ? `rgba(0,114,178,${alpha})` : `rgba(213,94,0,${alpha})`;
};

function start() {
  const words = [...document.querySelectorAll('[data-prompt] [data-word]')];
  const caption = document.querySelector('[data-heat-caption]');
  const chunks = [...document.querySelectorAll('[data-output] [data-chunk]')];
  if (words.length === 0 || chunks.length === 0) return;
  const whole = () => {
    for (const w of words) w.style.background = shade(Number(w.dataset.total));
    for (const c of chunks) c.classList.remove('active');
    if (caption) caption.textContent = 'Shaded over the whole output.';
  };
  const byChunk = (chunk) => {
    const weights = JSON.parse(chunk.dataset.weights);
    for (const w of words) w.style.background = shade(weights[Number(w.dataset.word)] ?? 0);
    for (const c of chunks) c.classList.toggle('active', c === chunk);
    if (caption) {
      const n = Number(chunk.dataset.chunk) + 1;
      const words =
        document.getElementById(`chunk-words-${chunk.dataset.chunk}`)?.textContent ?? '';
      caption.textContent = `Shaded by chunk ${n} “${chunk.textContent.trim()}”: ${words}.`;
    }
  };
  for (const chunk of chunks) {
    chunk.addEventListener('mouseenter', () => byChunk(chunk));
    chunk.addEventListener('focus', () => byChunk(chunk));
    chunk.addEventListener('mouseleave', () => document.activeElement !== chunk && whole());
    chunk.addEventListener('blur', whole);
  }
}

start();
