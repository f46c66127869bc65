import { ApiRequestError } from './api-client';
import { buildProgram } from './program';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  const message = err instanceof ApiRequestError || err instanceof Error ? err.message : String(err);
  console.error(`error: ${message}`);
  process.exitCode = err instanceof ApiRequestError && err.status === 0 ? 3 : 1;
}
