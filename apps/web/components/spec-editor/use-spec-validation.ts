'use client';

import { useEffect, useState } from 'react';
import type { SpecIssue } from '@refinery/core';
import { validateRunSpec } from '@/lib/client/api';

const VALIDATE_DEBOUNCE_MS = 350;

export type SpecValidationState =
  | { state: 'checking' }
  | { state: 'valid' }
  | { state: 'invalid'; issues: SpecIssue[] }
  | { state: 'unavailable'; message: string };

/**
 * Validates the editor text against the server (the same code path as submission) once the
 * user pauses typing; an in-flight check is aborted when the text changes again.
 */
export function useSpecValidation(text: string): SpecValidationState {
  const [result, setResult] = useState<SpecValidationState>({ state: 'checking' });

  useEffect(() => {
    const controller = new AbortController();
    setResult((prev) => (prev.state === 'checking' ? prev : { state: 'checking' }));
    const timer = setTimeout(() => {
      validateRunSpec(text, controller.signal).then(
        (r) => setResult(r.valid ? { state: 'valid' } : { state: 'invalid', issues: r.issues }),
        (err: Error) => {
          if (!controller.signal.aborted) setResult({ state: 'unavailable', message: err.message });
        },
      );
    }, VALIDATE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);

  return result;
}
