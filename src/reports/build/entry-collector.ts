import { SignedEntry } from 'src/evidence-format/entry';
import { LogService } from 'src/log/log.service';
import { signedEntry } from 'src/log/log.types';
import { packed, PackedEntry } from 'src/reports/build/jsonl-file';

/** An entry about a record (review, correction, erasure) as a report uses it. */
export interface RelatedEntry {
  subjectId: string;
  packed: PackedEntry;
  signed: SignedEntry;
}

/** Kinds of entry a decision card shows about its record (reads are counted, not shown). */
const SHOWN = new Set(['review', 'erasure']);

/**
 * The entries a build has put in its package (each once, whatever asks for it twice) and the
 * entries about records, read below the report's checkpoint.
 */
export class EntryCollector {
  private readonly added = new Set<string>();

  constructor(
    private readonly log: LogService,
    private readonly tenantId: string,
    private readonly size: number,
  ) {}

  /** True the first time an entry id is offered. */
  claim(id: string): boolean {
    if (this.added.has(id)) return false;
    this.added.add(id);
    return true;
  }

  async about(recordIds: readonly string[]): Promise<RelatedEntry[]> {
    const entries = await this.log.entriesAboutMany(this.tenantId, recordIds, this.size);
    return entries
      .filter((e) => SHOWN.has(e.kind) && e.subjectId !== null)
      .map((e) => ({
        subjectId: e.subjectId as string,
        packed: packed(e),
        signed: signedEntry(e),
      }));
  }
}
