import { Command } from 'commander';
import { artifactsCommand } from './commands/artifacts';
import { auditCommand } from './commands/audit';
import { loginCommand, logoutCommand, tokensCommand, whoamiCommand } from './commands/auth';
import { erasureCommand } from './commands/erasure';
import { lineageCommand } from './commands/lineage';
import { modelsCommand } from './commands/models';
import { openlineageCommand } from './commands/openlineage';
import { redactCommand } from './commands/redact';
import { runsCommand } from './commands/runs';
import { usageCommand } from './commands/usage';
import { quotasCommand } from './commands/quotas';

/** The `refinery` command tree; `main.ts` runs it, tests can build it too. */
export function buildProgram(): Command {
  const program = new Command('refinery')
    .description('Refinery: fine-tune small language models on private data')
    .option('--api-url <url>', 'Refinery API base URL', process.env.REFINERY_API_URL ?? 'http://localhost:3000')
    .option('--json', 'machine-readable JSON output')
    .showHelpAfterError();
  const globals = () => program.opts<{ apiUrl: string; json?: boolean }>();
  program.addCommand(loginCommand(globals));
  program.addCommand(logoutCommand(globals));
  program.addCommand(whoamiCommand(globals));
  program.addCommand(tokensCommand(globals));
  program.addCommand(runsCommand(globals));
  program.addCommand(artifactsCommand(globals));
  program.addCommand(modelsCommand(globals));
  program.addCommand(lineageCommand(globals));
  program.addCommand(redactCommand(globals));
  program.addCommand(auditCommand(globals));
  program.addCommand(erasureCommand(globals));
  program.addCommand(openlineageCommand(globals));
  program.addCommand(usageCommand(globals));
  program.addCommand(quotasCommand(globals));
  return program;
}
