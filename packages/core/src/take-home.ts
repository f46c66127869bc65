/**
 * "Take it home": the commands that pull a registry version's GGUF with an Ollama Modelfile
 * (`refinery models pull`) and create the Ollama model from them. Shared by the CLI (which format
 * it pulls by default) and the model page (which shows the same commands). Browser-safe.
 */

/** The format pulled when none is named: Ollama's own default quantization first, f16 last. */
export const GGUF_PULL_PREFERENCE = ['q4_K_M', 'q8_0', 'q4_0', 'f16'] as const;

export function defaultPullFormat(available: readonly string[]): string | null {
  return GGUF_PULL_PREFERENCE.find((f) => available.includes(f)) ?? available[0] ?? null;
}

/** The Ollama model name a pull suggests: `<model>:v<N>`. */
export const ollamaModelName = (model: string, version: number) => `${model}:v${version}`;

/** The shell commands for one version, or null when it has no GGUF files. */
export function takeHomeCommands(
  model: { project: string; name: string },
  version: { version: number; aliases: readonly string[]; record: { ggufs: readonly { format: string }[] } },
): { format: string; pull: string; create: string } | null {
  const format = defaultPullFormat(version.record.ggufs.map((g) => g.format));
  if (!format) return null;
  const ref = `${model.name}@${version.aliases[0] ?? `v${version.version}`}`;
  const name = ollamaModelName(model.name, version.version);
  return {
    format,
    pull: `refinery models pull ${ref} -p ${model.project}`,
    create: `cd ${model.name}-v${version.version} && ollama create ${name} -f Modelfile && ollama run ${name}`,
  };
}
