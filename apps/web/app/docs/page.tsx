import type { Metadata } from 'next';
import { OperationCard } from '@/components/docs/operation-card';
import { HTTP_METHODS, operationAnchor, type OpenApiDocument, type Operation } from '@/components/docs/openapi-types';
import { buildOpenApiDocument } from '@/lib/server/openapi';

export const metadata: Metadata = { title: 'API docs' };

interface Endpoint {
  method: string;
  path: string;
  op: Operation;
}

/** "/api/v1/runs/{id}/cancel" → "runs": endpoints are grouped by the resource they act on. */
const resourceOf = (path: string) => path.replace(/^\/api\/v\d+\//, '').split('/')[0] ?? path;

function groupEndpoints(doc: OpenApiDocument): [string, Endpoint[]][] {
  const groups = new Map<string, Endpoint[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const resource = resourceOf(path);
      groups.set(resource, [...(groups.get(resource) ?? []), { method, path, op }]);
    }
  }
  return [...groups.entries()];
}

/** Readable API reference, rendered from the same OpenAPI document /api/v1/openapi.json serves. */
export default function DocsPage() {
  const doc = buildOpenApiDocument() as unknown as OpenApiDocument;
  const groups = groupEndpoints(doc);
  return (
    <div className="grid gap-6 lg:grid-cols-[14rem_1fr]">
      <aside className="lg:sticky lg:top-4 lg:self-start">
        <nav aria-label="Endpoints" className="space-y-3 text-sm">
          {groups.map(([resource, endpoints]) => (
            <div key={resource}>
              <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{resource}</p>
              <ul className="mt-1 space-y-0.5">
                {endpoints.map((e) => (
                  <li key={`${e.method} ${e.path}`}>
                    <a href={`#${operationAnchor(e.method, e.path)}`} className="flex gap-2 rounded px-1 py-0.5 font-mono text-xs hover:bg-slate-100">
                      <span className="w-9 shrink-0 font-bold uppercase text-slate-500">{e.method}</span>
                      <span className="truncate text-slate-800">{e.path.replace(/^\/api\/v\d+/, '')}</span>
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
      </aside>
      <div className="min-w-0 space-y-8">
        <header>
          <h1 className="text-xl font-semibold tracking-tight">
            {doc.info.title} <span className="font-mono text-sm font-normal text-slate-500">{doc.info.version}</span>
          </h1>
          {doc.info.description && <p className="text-sm text-slate-600">{doc.info.description}</p>}
          <p className="mt-1 text-sm text-slate-600">
            Machine-readable:{' '}
            <a href="/api/v1/openapi.json" className="font-mono text-emerald-700 underline">
              /api/v1/openapi.json
            </a>{' '}
            (OpenAPI 3.1). Errors share one shape: <code className="font-mono text-xs">{'{ error: { code, message, issues?: [{ path, message }] } }'}</code>.
          </p>
        </header>
        {groups.map(([resource, endpoints]) => (
          <section key={resource} aria-labelledby={`group-${resource}`} className="space-y-3">
            <h2 id={`group-${resource}`} className="border-b border-slate-200 pb-1 text-base font-semibold capitalize">
              {resource}
            </h2>
            {endpoints.map((e) => (
              <OperationCard key={`${e.method} ${e.path}`} method={e.method} path={e.path} op={e.op} doc={doc} />
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}
