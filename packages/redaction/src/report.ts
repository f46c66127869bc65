import type { DatasetFormat } from './records';
import type { RedactionAction } from './types';

/**
 * The redaction report artifact. It holds counts, names and hashes only — never a detected value
 * or a surrogate — so it can be shown to reviewers and stored next to the dataset.
 */
export interface RedactionReport {
  reportVersion: 1;
  format: DatasetFormat;
  policyHash: string;
  detectorVersions: Record<string, string>;
  records: { read: number; written: number; changed: number; dropped: number };
  /** One row per (entity type, action, field), sorted. */
  entities: Array<{ type: string; action: RedactionAction; field: string; count: number }>;
  totalsByType: Record<string, number>;
  /** Records dropped, by the entity types that caused the drop. */
  droppedByType: Record<string, number>;
}

export interface RedactionReportBuilder {
  recordRead(): void;
  recordWritten(changed: boolean): void;
  recordDropped(causes: Iterable<string>): void;
  countEntity(type: string, action: RedactionAction, field: string): void;
  build(): RedactionReport;
}

export function createRedactionReportBuilder(meta: { format: DatasetFormat; policyHash: string; detectorVersions: Readonly<Record<string, string>> }): RedactionReportBuilder {
  const records = { read: 0, written: 0, changed: 0, dropped: 0 };
  const counts = new Map<string, number>(); // bounded by types × actions × fields
  const droppedByType: Record<string, number> = {};
  return {
    recordRead: () => void records.read++,
    recordWritten(changed) {
      records.written++;
      if (changed) records.changed++;
    },
    recordDropped(causes) {
      records.dropped++;
      for (const type of new Set(causes)) droppedByType[type] = (droppedByType[type] ?? 0) + 1;
    },
    countEntity(type, action, field) {
      const key = `${type}\u0000${action}\u0000${field}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    build(): RedactionReport {
      const entities = [...counts.entries()]
        .map(([key, count]) => {
          const [type, action, field] = key.split('\u0000');
          return { type, action: action as RedactionAction, field, count };
        })
        .sort((a, b) => a.type.localeCompare(b.type) || a.field.localeCompare(b.field) || a.action.localeCompare(b.action));
      const totalsByType: Record<string, number> = {};
      for (const row of entities) totalsByType[row.type] = (totalsByType[row.type] ?? 0) + row.count;
      return {
        reportVersion: 1,
        format: meta.format,
        policyHash: meta.policyHash,
        detectorVersions: { ...meta.detectorVersions },
        records: { ...records },
        entities,
        totalsByType,
        droppedByType: { ...droppedByType },
      };
    },
  };
}
