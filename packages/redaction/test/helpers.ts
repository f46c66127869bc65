import { createTextRedactor } from '../src/index';
import type { EntityType } from '../src/index';

/** "TYPE:value" strings for what the engine finds in `text` with only `entities` enabled. */
export function found(text: string, entities?: EntityType[]): string[] {
  const redactor = createTextRedactor(entities ? { entities } : {});
  return redactor.detect(text).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);
}

export function foundTypes(text: string, entities?: EntityType[]): string[] {
  return found(text, entities).map((entry) => entry.slice(0, entry.indexOf(':')));
}
