/**
 * A report as the PDF renderer reads it: metadata, attachments and sections of blocks. The report
 * kinds (decision evidence, case file, period audit) compose it from the records and the layouts
 * in templates/; the renderer (pdf-renderer.ts) lays it out with pdfkit. The blocks say what to
 * show, never where: page breaks, page numbers and bookmarks are the renderer's.
 */

export interface ReportDocument {
  meta: {
    title: string;
    subject: string;
    /** Document keywords (PDF Info /Keywords). */
    keywords: string[];
    /** The PDF's CreationDate and ModDate: the report's request time, so bytes are reproducible. */
    createdAt: Date;
    /** Printed in the page footer beside the page number, e.g. the report id. */
    footer: string;
  };
  /** Files embedded in the PDF (PDF/A-3 style associated files), e.g. report.json. */
  attachments: ReportAttachment[];
  sections: ReportSection[];
}

export interface ReportAttachment {
  name: string;
  description: string;
  mimeType: string;
  content: Buffer;
}

export interface ReportSection {
  title: string;
  /** Starts on a new page (the first section always does). */
  newPage?: boolean;
  blocks: ReportBlock[];
  /** Sub-sections, bookmarked under this one. */
  children?: ReportSection[];
}

export type ReportBlock =
  | ParagraphBlock
  | KeyValuesBlock
  | TableBlock
  | ChartBlock
  | HeatTextBlock
  | ConceptBarsBlock
  | StatementsBlock
  | MonoBlock
  | SignOffBlock;

export interface ParagraphBlock {
  type: 'paragraph';
  text: string;
  /** body (default); note: smaller and grey; warning: boxed and marked; heading: a small heading. */
  style?: 'body' | 'note' | 'warning' | 'heading';
}

/** Two columns: label and value. */
export interface KeyValuesBlock {
  type: 'keyValues';
  rows: [label: string, value: string][];
}

export interface TableBlock {
  type: 'table';
  columns: {
    header: string;
    /** relative width, default 1 */ width?: number;
    align?: 'left' | 'right';
  }[];
  rows: string[][];
  /** Shown under the table in the note style. */
  caption?: string;
}

/** An SVG chart from src/charts (the same SVG the portal shows). */
export interface ChartBlock {
  type: 'chart';
  svg: string;
  /** Width and height of the SVG's viewBox; the renderer scales it to the text width. */
  width: number;
  height: number;
  caption?: string;
  /** Text alternative for the tagged PDF and for readers. */
  alt: string;
}

/**
 * Text whose words are shaded by weight: the context heat map. Each run is a whole word (with its
 * following space) or an unweighted stretch of text.
 */
export interface HeatTextBlock {
  type: 'heatText';
  runs: {
    text: string;
    /** -1..1: negative pushes against, positive for; null: not weighted */ weight: number | null;
  }[];
  /** One line under the text that says what the shading means. */
  legend: string;
}

/** Horizontal bars of shares (0..1), grouped: named concepts first, then unnamed, then ε. */
export interface ConceptBarsBlock {
  type: 'conceptBars';
  bars: {
    label: string;
    share: number;
    kind: 'named' | 'unnamed' | 'residual' | 'steering';
    /** A steered concept: the bar is marked "forced". */
    forced?: boolean;
    /** A second, smaller line under the label (a named concept's detection). */
    detail?: string;
  }[];
  /** Stated above the bars, e.g. "Named concepts: 23% of the logit". */
  summary: string;
  /** Shown boxed when the named share is too low for a meaningful explanation. */
  warning?: string;
}

/** Explanation statements: each sentence with the record fields it comes from. */
export interface StatementsBlock {
  type: 'statements';
  items: { text: string; cites: string[] }[];
}

/** Monospaced text kept exactly: hashes, signed notes, commands. */
export interface MonoBlock {
  type: 'mono';
  text: string;
}

/** A sign-off form: one line to fill in per field. */
export interface SignOffBlock {
  type: 'signOff';
  fields: string[];
}
