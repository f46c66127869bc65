import { ApiRequestError } from './api-client';
import { UsageError } from './commands/redact';
import { buildProgram } from './program';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const message = err instanceof ApiRequestError || err instanceof Error ? err.message : String(err);
  console.error(`error: ${message}`);
  process.exitCode = err instanceof UsageError ? 2 : err instanceof ApiRequestError && err.status === 0 ? 3 : 1;
}
