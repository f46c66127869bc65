import type { ModelCard } from '@refinery/core/workflow-safe';

/** A model card's sections as HTML (the same structure the API renders as Markdown). */
export function ModelCardView({ card, markdownHref }: { card: ModelCard; markdownHref: string }) {
  return (
    <article data-testid="model-card" className="space-y-3 rounded border border-slate-200 bg-white p-3 text-sm">
      <header className="flex items-baseline justify-between">
        <h3 className="font-semibold">Model card: {card.title}</h3>
        <a className="text-xs text-emerald-800 underline" href={markdownHref}>
          Markdown
        </a>
      </header>
      {card.sections.map((s) => (
        <section key={s.heading}>
          <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{s.heading}</h4>
          {s.lines[0]?.startsWith('|') ? (
            <table className="data-table mt-1">
              <thead>
                <tr>
                  {cells(s.lines[0]).map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {s.lines.slice(2).map((row) => (
                  <tr key={row}>
                    {cells(row).map((c, i) => (
                      <td key={i} className="font-mono text-xs">
                        {c}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <ul className="ml-4 list-disc">
              {s.lines.map((l) => (
                <li key={l} className="break-all">
                  {l}
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </article>
  );
}

const cells = (row: string) => row.split('|').slice(1, -1).map((c) => c.trim());
