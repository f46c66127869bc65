import { operationAnchor, type MediaContent, type OpenApiDocument, type Operation } from './openapi-types';
import { SchemaView } from './schema-view';

const METHOD_COLORS: Record<string, string> = {
  get: 'bg-sky-100 text-sky-800',
  post: 'bg-emerald-100 text-emerald-800',
  put: 'bg-amber-100 text-amber-800',
  patch: 'bg-amber-100 text-amber-800',
  delete: 'bg-red-100 text-red-800',
};

/** One endpoint: method, path, summary, description, parameters, request body, responses. */
export function OperationCard({ method, path, op, doc }: { method: string; path: string; op: Operation; doc: OpenApiDocument }) {
  const anchor = operationAnchor(method, path);
  return (
    <article id={anchor} data-testid="docs-operation" className="scroll-mt-4 rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-2.5">
        <span className={`rounded px-2 py-0.5 font-mono text-xs font-bold uppercase ${METHOD_COLORS[method] ?? 'bg-slate-100'}`}>{method}</span>
        <a href={`#${anchor}`} className="font-mono text-sm font-semibold text-slate-900 hover:underline">
          {path}
        </a>
        {op.summary && <span className="text-sm text-slate-600">{op.summary}</span>}
      </header>
      <div className="space-y-4 px-4 py-3">
        {op.description && <p className="text-sm text-slate-700">{op.description}</p>}
        {op.parameters && op.parameters.length > 0 && <Parameters op={op} doc={doc} />}
        {op.requestBody?.content && (
          <Section title="Request body">
            <ContentSchemas content={op.requestBody.content} doc={doc} />
          </Section>
        )}
        {op.responses && (
          <Section title="Responses">
            <ul className="space-y-2">
              {Object.entries(op.responses).map(([code, res]) => (
                <li key={code} className="text-sm">
                  <div className="flex items-baseline gap-2">
                    <code className={`font-mono text-xs font-bold ${code.startsWith('2') ? 'text-emerald-700' : 'text-red-700'}`}>{code}</code>
                    <span className="text-slate-700">{res.description}</span>
                  </div>
                  {res.content && (
                    <details className="ml-8 mt-1">
                      <summary className="cursor-pointer text-xs text-slate-500">schema</summary>
                      <div className="mt-1">
                        <ContentSchemas content={res.content} doc={doc} />
                      </div>
                    </details>
                  )}
                </li>
              ))}
            </ul>
          </Section>
        )}
      </div>
    </article>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section>
      <h4 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h4>
      {children}
    </section>
  );
}

function Parameters({ op, doc }: { op: Operation; doc: OpenApiDocument }) {
  return (
    <Section title="Parameters">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">In</th>
            <th scope="col">Schema</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {op.parameters!.map((p) => (
            <tr key={`${p.in}:${p.name}`}>
              <td className="font-mono text-xs font-semibold">
                {p.name}
                {p.required && <span className="ml-1 text-red-600">*</span>}
              </td>
              <td className="text-xs text-slate-600">{p.in}</td>
              <td>{p.schema ? <SchemaView schema={{ ...p.schema, description: undefined }} doc={doc} /> : '—'}</td>
              <td className="text-xs text-slate-600">{p.description ?? p.schema?.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** Media types sharing one schema (JSON and YAML bodies) are listed together. */
function ContentSchemas({ content, doc }: { content: Record<string, MediaContent>; doc: OpenApiDocument }) {
  const groups = new Map<string, { types: string[]; media: MediaContent }>();
  for (const [type, media] of Object.entries(content)) {
    const key = JSON.stringify(media.schema ?? null);
    const group = groups.get(key);
    if (group) group.types.push(type);
    else groups.set(key, { types: [type], media });
  }
  return (
    <div className="space-y-2">
      {[...groups.values()].map(({ types, media }) => (
        <div key={types.join()}>
          <p className="mb-1 font-mono text-xs text-slate-500">{types.join(', ')}</p>
          {media.schema && <SchemaView schema={media.schema} doc={doc} />}
        </div>
      ))}
    </div>
  );
}
