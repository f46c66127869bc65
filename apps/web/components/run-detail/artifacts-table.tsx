import type { Artifact } from '@refinery/core';
import { Card, EmptyState } from '@/components/ui';
import { formatBytes, formatTimestamp, shortSha } from '@/lib/client/format';

/** Content-addressed outputs of the run's stages. */
export function ArtifactsTable({ artifacts }: { artifacts: Artifact[] }) {
  return (
    <Card title={`Artifacts (${artifacts.length})`} testId="artifacts">
      {artifacts.length === 0 ? (
        <EmptyState>No artifacts yet.</EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Stage</th>
                <th scope="col">sha256</th>
                <th scope="col" className="text-right">
                  Size
                </th>
                <th scope="col">Media type</th>
                <th scope="col">URI</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {artifacts.map((a) => (
                <tr key={a.id} data-testid="artifact-row">
                  <td className="font-medium">{a.kind}</td>
                  <td className="font-mono text-xs">{a.producedByStage}</td>
                  <td className="font-mono text-xs" title={a.sha256}>
                    {shortSha(a.sha256)}
                  </td>
                  <td className="whitespace-nowrap text-right font-mono text-xs" title={`${a.bytes} bytes`}>
                    {formatBytes(a.bytes)}
                  </td>
                  <td className="text-xs text-slate-600">{a.mediaType}</td>
                  <td className="max-w-xs break-all font-mono text-xs text-slate-600">{a.uri}</td>
                  <td className="whitespace-nowrap text-xs text-slate-600">{formatTimestamp(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
