// Saved filters of the generations explorer, kept in this browser (localStorage): a name and the
// query string of the filters, shown as links above the results.

const KEY = 'audit-portal.saved-filters';
const load = () => {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(saved)
      ? saved.filter((s) => typeof s.name === 'string' && typeof s.query === 'string')
      : [];
  } catch {
    return [];
  }
};

function start() {
  const box = document.querySelector('[data-saved-filters]');
  const list = document.querySelector('[data-saved-list]');
  const form = document.querySelector('[data-save-form]');
  if (!box || !list || !form) return;
  const render = () => {
    list.replaceChildren();
    for (const [i, s] of load().entries()) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `/generations${s.query}`;
      a.textContent = s.name;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'link';
      remove.textContent = 'remove';
      remove.setAttribute('aria-label', `Remove saved filter ${s.name}`);
      remove.addEventListener('click', () => {
        const saved = load();
        saved.splice(i, 1);
        localStorage.setItem(KEY, JSON.stringify(saved));
        render();
      });
      li.append(a, ' ', remove);
      list.append(li);
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams(location.search);
    params.delete('cursor');
    const query = params.toString() ? `?${params}` : '';
    const name = form.querySelector('input').value.trim();
    if (!name) return;
    localStorage.setItem(
      KEY,
      JSON.stringify([...load().filter((s) => s.name !== name), { name, query }]),
    );
    form.reset();
    render();
  });
  box.hidden = false;
  render();
}

start();
