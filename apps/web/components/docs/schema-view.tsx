import { resolveSchema, type JsonSchema, type OpenApiDocument } from './openapi-types';

/** A JSON Schema as a nested field list: name, type, required, constraints, description. */
export function SchemaView({ schema, doc }: { schema: JsonSchema; doc: OpenApiDocument }) {
  const s = resolveSchema(schema, doc);
  if (s.properties) return <ObjectFields schema={s} doc={doc} />;
  if (s.items) {
    return (
      <div className="text-xs">
        <p className="mb-1 text-slate-600">
          array of <TypeLabel schema={s.items} doc={doc} />
        </p>
        {resolveSchema(s.items, doc).properties && <SchemaView schema={s.items} doc={doc} />}
      </div>
    );
  }
  return (
    <p className="text-xs">
      <TypeLabel schema={s} doc={doc} /> <Constraints schema={s} />
      {s.description && <span className="ml-2 text-slate-600">{s.description}</span>}
    </p>
  );
}

function ObjectFields({ schema, doc }: { schema: JsonSchema; doc: OpenApiDocument }) {
  const required = new Set(schema.required ?? []);
  return (
    <ul className="space-y-1 border-l border-slate-200 pl-3">
      {Object.entries(schema.properties ?? {}).map(([name, raw]) => {
        const prop = resolveSchema(raw, doc);
        const nested = prop.properties ? prop : prop.items && resolveSchema(prop.items, doc).properties ? resolveSchema(prop.items, doc) : null;
        return (
          <li key={name} className="text-xs">
            <div className="flex flex-wrap items-baseline gap-x-2">
              <code className="font-mono font-semibold text-slate-900">{name}</code>
              <TypeLabel schema={prop} doc={doc} />
              {required.has(name) ? <span className="text-[10px] font-semibold uppercase text-red-600">required</span> : <span className="text-[10px] uppercase text-slate-400">optional</span>}
              <Constraints schema={prop} />
            </div>
            {prop.description && <p className="text-slate-600">{prop.description}</p>}
            {nested && (
              <div className="mt-1">
                <ObjectFields schema={nested} doc={doc} />
              </div>
            )}
          </li>
        );
      })}
      {schema.additionalProperties === false && <li className="text-[11px] italic text-slate-400">no other fields allowed</li>}
    </ul>
  );
}

function TypeLabel({ schema, doc }: { schema: JsonSchema; doc: OpenApiDocument }) {
  return <span className="font-mono text-emerald-700">{describeType(schema, doc)}</span>;
}

function describeType(raw: JsonSchema, doc: OpenApiDocument): string {
  const s = resolveSchema(raw, doc);
  if (raw.$ref) return raw.$ref.split('/').pop()!;
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.map((u) => describeType(u, doc)).join(' | ');
  if (s.type === 'array' && s.items) return `${describeType(s.items, doc)}[]`;
  if (s.type === 'object' && !s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return `map<string, ${describeType(s.additionalProperties, doc)}>`;
  }
  const type = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  return type ?? 'any';
}

function Constraints({ schema: s }: { schema: JsonSchema }) {
  const parts: string[] = [];
  if (s.format) parts.push(s.format);
  if (s.minLength !== undefined || s.maxLength !== undefined) parts.push(`length ${s.minLength ?? 0}..${s.maxLength ?? '∞'}`);
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`range ${s.minimum ?? '−∞'}..${s.maximum ?? '∞'}`);
  if (s.pattern) parts.push(`pattern ${s.pattern}`);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  if (!parts.length) return null;
  return <span className="font-mono text-[11px] text-slate-400">{parts.join(' · ')}</span>;
}
