/** Reading rendered chart SVG in small tests (src/charts/*.spec.ts). */

/** The text content of every <text> element, unescaped, in document order. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((match) => unescapeXml(match[1]));
}

/** The visible tick and legend labels: <text> elements not hidden by vega's label overlap. */
export function visibleTexts(svg: string): string[] {
  return [...svg.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)]
    .filter((match) => !/opacity="0"/.test(match[1]))
    .map((match) => unescapeXml(match[2]));
}

/** The aria-label of every mark drawn with the given role description, e.g. 'bar'. */
export function markLabels(svg: string, roleDescription: string): string[] {
  return [...svg.matchAll(/<path\b([^>]*)>/g)]
    .filter((match) => match[1].includes(`aria-roledescription="${roleDescription}"`))
    .map((match) => unescapeXml(/aria-label="([^"]*)"/.exec(match[1])?.[1] ?? ''));
}

/** Every distinct font-family attribute value in the SVG. */
export function fontFamilies(svg: string): string[] {
  return [...new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((match) => match[1]))];
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
