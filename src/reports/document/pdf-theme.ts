/** The look of the PDF reports: A4 portrait, one sans family, quiet colours. Sizes in points. */

export const PAGE = {
  size: 'A4',
  margins: { top: 56, bottom: 64, left: 60, right: 60 },
  /** Baseline area of the footer, below the bottom margin. */
  footerY: 36,
} as const;

export const SIZE = {
  title: 20,
  subtitle: 11,
  h1: 15,
  h2: 12,
  h3: 10.5,
  body: 10,
  table: 8.5,
  note: 8.5,
  cite: 7,
  mono: 8,
  footer: 7.5,
} as const;

/** Vertical space after each kind of element. */
export const GAP = { block: 10, heading: 6, paragraph: 8, line: 2 } as const;

export const COLOR = {
  text: '#1a1a1a',
  muted: '#5f6368',
  rule: '#c8ccd0',
  heading: '#0b3a5b',
  tableHeader: '#e8edf2',
  zebra: '#f5f7f9',
  monoBackground: '#f3f4f5',
  warningFill: '#fff4e0',
  warningBorder: '#d98a00',
  warningText: '#6b4100',
  barTrack: '#eceff1',
  forced: '#b3261e',
  /** Heat map hues: for (positive) blue, against (negative) orange; colour-blind safe. */
  heatPositive: [33, 102, 172] as [number, number, number],
  heatNegative: [214, 96, 17] as [number, number, number],
  bars: {
    named: '#2b6cb0',
    unnamed: '#8a9bb0',
    residual: '#c3c8ce',
    steering: '#c05621',
  },
} as const;
