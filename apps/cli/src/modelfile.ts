import { defaultPullFormat, GGUF_PULL_PREFERENCE, type ChatFormat } from '@refinery/core';

/**
 * An Ollama Modelfile for a pulled GGUF, with the model's chat template written in Ollama's Go
 * template syntax from the version's chat format (per-role prefix/suffix strings the trainer
 * derived from the Hugging Face template and checked to rebuild its prompts).
 *
 * The template ranges over `.Messages` (Ollama prepends the Modelfile's SYSTEM as a system message
 * when a conversation has none). Every literal is a Go string literal (`{{ "<|user|>\n" }}`), so
 * newlines and spaces in the markers are explicit and the `{{-` trim markers that lay the template
 * out on lines cannot eat them. A final assistant message is left open (no suffix, no generation
 * prompt): Ollama continues it, as Ollama's own templates do.
 */

type Supported = Extract<ChatFormat, { supported: true }>;

/** A Go interpreted string literal: JSON's escapes (\n \t \" \\ \uXXXX) are all valid Go. */
export const goString = (s: string) => JSON.stringify(s);

const lit = (s: string) => (s === '' ? '' : `{{ ${goString(s)} }}`);

/** The TEMPLATE body (Go text/template) that builds the same prompts as the chat format. */
export function ollamaTemplate(f: Supported): string {
  const sys = f.system;
  const lines: string[] = [];
  // llama.cpp adds the BOS token itself when the GGUF says so; writing it again would double it.
  const bos = f.bos !== '' && !f.addBosToken ? lit(f.bos) : '';
  lines.push(`${bos}{{- range $i, $m := .Messages }}`);
  lines.push('{{- $last := eq (len (slice $.Messages $i)) 1 }}');
  if (sys.placement === 'turn') {
    lines.push(`{{- if eq $m.Role "system" }}${lit(sys.prefix)}{{ $m.Content }}${lit(sys.suffix)}`);
    lines.push(`{{- else if eq $m.Role "user" }}${lit(f.user.prefix)}{{ $m.Content }}${lit(f.user.suffix)}`);
  } else {
    // A leading system message goes inside the user message right after it.
    const folded = `{{ if and (eq $i 1) (eq (index $.Messages 0).Role "system") }}${lit(sys.prefix)}{{ (index $.Messages 0).Content }}${lit(sys.suffix)}{{ end }}`;
    lines.push(`{{- if eq $m.Role "user" }}${lit(f.user.prefix)}${folded}{{ $m.Content }}${lit(f.user.suffix)}`);
  }
  const asstSuffix = f.assistant.suffix === '' ? '' : `{{ if not $last }}${lit(f.assistant.suffix)}{{ end }}`;
  lines.push(`{{- else if eq $m.Role "assistant" }}${lit(f.assistant.prefix)}{{ $m.Content }}${asstSuffix}`);
  lines.push('{{- end }}');
  if (f.generationPrompt !== '') lines.push(`{{- if and $last (ne $m.Role "assistant") }}${lit(f.generationPrompt)}{{ end }}`);
  lines.push('{{- end }}');
  return lines.join('\n');
}

/** Stop strings: the end of an assistant turn, the EOS token, and the start of a user turn. */
export function stopTokens(f: Supported): string[] {
  const candidates = [f.assistant.suffix.trim(), f.eosToken?.trim() ?? '', f.user.prefix.trim()];
  // A Modelfile parameter is one quoted line, taken verbatim (no escapes): leave out what cannot be one.
  return [...new Set(candidates.filter((s) => s !== '' && !/["\\\n\r]/.test(s)))];
}

export interface ModelfileInput {
  /** file name of the GGUF beside the Modelfile, e.g. model-q4_K_M.gguf */
  gguf: string;
  chatFormat: ChatFormat | null | undefined;
  /** comment lines at the top (what was pulled, how to create it) */
  header: string[];
}

/**
 * The Modelfile text, and a warning when it has no TEMPLATE (the version has no chat format, or
 * one fixed parts cannot express): Ollama then falls back to whatever it guesses from the GGUF.
 */
export function modelfile(input: ModelfileInput): { text: string; template: boolean; warning: string | null } {
  const out = input.header.map((h) => `# ${h}`);
  out.push(`FROM ./${input.gguf}`);
  const f = input.chatFormat;
  let warning: string | null = null;
  if (!f) warning = 'this version records no chat format (it was quantized before Refinery recorded one), so the Modelfile has no TEMPLATE';
  else if (!f.supported) warning = `the model's chat template cannot be written as an Ollama template (${f.reason}), so the Modelfile has no TEMPLATE`;
  if (warning || !f?.supported) {
    out.push(`# no TEMPLATE: ${warning}; Ollama will guess one from the GGUF's metadata`);
    return { text: `${out.join('\n')}\n`, template: false, warning };
  }
  const template = ollamaTemplate(f);
  out.push(`TEMPLATE """${template}"""`);
  for (const stop of stopTokens(f)) out.push(`PARAMETER stop "${stop}"`);
  if (f.defaultSystem !== null) {
    if (f.defaultSystem.includes('"""')) warning = 'the default system prompt contains """, which a Modelfile cannot quote; SYSTEM left out';
    else out.push(`SYSTEM """${f.defaultSystem}"""`);
  }
  return { text: `${out.join('\n')}\n`, template: true, warning };
}

/** The format pulled when none is named (packages/core take-home.ts: q4_K_M, q8_0, q4_0, f16). */
export const FORMAT_PREFERENCE = GGUF_PULL_PREFERENCE;

export function chooseFormat(available: string[], wanted?: string): string {
  if (available.length === 0) throw new Error('this version has no GGUF files (its run had no quantization: section); nothing to pull');
  if (wanted) {
    if (!available.includes(wanted)) throw new Error(`this version has no ${wanted} GGUF; it has ${available.join(', ')} (choose with --format)`);
    return wanted;
  }
  return defaultPullFormat(available)!;
}
