import type { Artifact } from '@refinery/core';
import { Card, EmptyState } from '@/components/ui';
import { formatBytes, formatTimestamp, shortSha } from '@/lib/client/format';

// The storage package is server-only; its directory media type, repeated for the browser.
const DIRECTORY_MEDIA_TYPE = 'application/vnd.refinery.directory+json';

/** Content-addressed outputs of the run's stages, each downloadable (streamed by the API, with its sha256). */
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
                <th scope="col">
                  <span className="sr-only">Download</span>
                </th>
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
                  <td className="whitespace-nowrap text-xs">
                    <a
                      href={`/api/v1/artifacts/${encodeURIComponent(a.id)}/content`}
                      download
                      data-testid="artifact-download"
                      className="font-medium text-emerald-700 hover:underline"
                      title={a.mediaType === DIRECTORY_MEDIA_TYPE ? 'a tar of the directory; each file is in its manifest with its sha256' : `sha256 ${a.sha256}`}
                    >
                      {a.mediaType === DIRECTORY_MEDIA_TYPE ? 'Download .tar' : 'Download'}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
