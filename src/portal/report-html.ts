import { escapeXml } from 'src/charts/chart';
import { ReportBlock, ReportSection } from 'src/reports/document/report-document';

/** The same escaping serves HTML text and double-quoted attributes. */
export const escapeHtml = escapeXml;

const KIND_LABELS = {
  named: 'named',
  unnamed: 'unnamed',
  residual: 'residual',
  steering: 'steering',
};

/**
 * A report section as HTML: the same blocks the PDF renderer lays out (the decision card's
 * concepts, training data, steering and statement), so the portal and the PDF say the same
 * thing from one composition. Every text is escaped; charts are our own SVG, embedded as is.
 */
export function sectionHtml(section: ReportSection, level = 2): string {
  const h = Math.min(level, 6);
  const parts = [`<h${h}>${escapeHtml(section.title)}</h${h}>`];
  for (const block of section.blocks) parts.push(blockHtml(block));
  for (const child of section.children ?? []) parts.push(sectionHtml(child, level + 1));
  return `<section class="report-section">${parts.join('\n')}</section>`;
}

export function blockHtml(block: ReportBlock): string {
  switch (block.type) {
    case 'paragraph':
      if (block.style === 'heading') return `<p class="subhead">${escapeHtml(block.text)}</p>`;
      if (block.style === 'warning') {
        return `<p class="warning" role="note"><strong>Note:</strong> ${escapeHtml(block.text)}</p>`;
      }
      return `<p${block.style === 'note' ? ' class="hint"' : ''}>${escapeHtml(block.text)}</p>`;
    case 'keyValues':
      return `<dl class="kv">${block.rows
        .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
        .join('')}</dl>`;
    case 'table': {
      const head = block.columns
        .map(
          (c) =>
            `<th scope="col"${c.align === 'right' ? ' class="num"' : ''}>${escapeHtml(c.header)}</th>`,
        )
        .join('');
      const rows = block.rows
        .map(
          (row) =>
            `<tr>${row
              .map(
                (cell, i) =>
                  `<td${block.columns[i]?.align === 'right' ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`,
              )
              .join('')}</tr>`,
        )
        .join('');
      const caption = block.caption ? `<caption>${escapeHtml(block.caption)}</caption>` : '';
      return `<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
    }
    case 'chart':
      return `<figure class="chart"><div role="img" aria-label="${escapeHtml(block.alt)}">${block.svg}</div>${
        block.caption ? `<figcaption>${escapeHtml(block.caption)}</figcaption>` : ''
      }</figure>`;
    case 'heatText':
      return `<p class="heat">${block.runs
        .map((r) =>
          r.weight === null
            ? escapeHtml(r.text)
            : `<span class="w" style="${heatStyle(r.weight)}">${escapeHtml(r.text)}</span>`,
        )
        .join('')}</p><p class="hint">${escapeHtml(block.legend)}</p>`;
    case 'conceptBars':
      return conceptBarsHtml(block);
    case 'statements':
      return `<ol class="statements">${block.items
        .map(
          (item) =>
            `<li>${escapeHtml(item.text)}${
              item.cites.length
                ? ` <span class="cites">(${item.cites.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')})</span>`
                : ''
            }</li>`,
        )
        .join('')}</ol>`;
    case 'mono':
      return `<pre class="mono">${escapeHtml(block.text)}</pre>`;
    case 'signOff':
      return `<dl class="kv">${block.fields.map((f) => `<dt>${escapeHtml(f)}</dt><dd>&nbsp;</dd>`).join('')}</dl>`;
  }
}

function conceptBarsHtml(block: Extract<ReportBlock, { type: 'conceptBars' }>): string {
  const rows = block.bars
    .map((bar) => {
      const width = Math.max(0, Math.min(1, bar.share)) * 100;
      const forced = bar.forced
        ? ' <span class="forced" title="This concept was steered by the request: its share was pushed, not found">forced</span>'
        : '';
      return `<li class="bar ${bar.kind}${bar.forced ? ' is-forced' : ''}"><span class="bar-label">${escapeHtml(bar.label)}${forced}${bar.detail === undefined ? '' : `<span class="bar-detail">${escapeHtml(bar.detail)}</span>`}</span><span class="bar-track" aria-hidden="true"><span class="bar-fill" style="width:${width.toFixed(1)}%"></span></span><span class="bar-value">${(bar.share * 100).toFixed(1)}%<span class="visually-hidden"> (${KIND_LABELS[bar.kind]})</span></span></li>`;
    })
    .join('');
  const warning = block.warning
    ? `<p class="warning" role="note"><strong>Limited explanation:</strong> ${escapeHtml(block.warning)}</p>`
    : '';
  return `<div class="concept-bars"><p class="bars-summary">${escapeHtml(block.summary)}</p>${warning}<ul class="bars">${rows}</ul></div>`;
}

/**
 * The background of a word with this weight (-1..1): blue for words the output relied on, red
 * for words that pushed against it, stronger with the weight; text stays dark for contrast.
 */
export function heatStyle(weight: number): string {
  const w = Math.max(-1, Math.min(1, weight));
  const alpha = (Math.abs(w) * 0.55).toFixed(2);
  return w >= 0 ? `background:rgba(0,114,178,${alpha})` : `background:rgba(213,94,0,${alpha})`;
}
