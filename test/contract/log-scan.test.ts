import { describe, expect, it } from 'vitest';
import { datasetPiiValues, DEMO_RAW_DATASETS, describeFindings, scanLogForValues } from '../support/log-scan';

// The scanner behind test/e2e/logs.test.ts must be able to fail: a log holding a demo PII value is flagged.
describe('log scanner', () => {
  const values = datasetPiiValues(DEMO_RAW_DATASETS);

  it('collects the demo datasets PII with the redaction engine (emails, names, cards, customer ids)', () => {
    const types = new Set(values.map((v) => v.type));
    for (const t of ['EMAIL', 'PERSON', 'CREDIT_CARD', 'PHONE', 'CUSTOMER_ID']) expect(types).toContain(`dataset PII (${t})`);
    expect(values.length).toBeGreaterThan(500);
  });

  it('flags a log line holding a PII value, by type and line number, and never repeats the value', () => {
    const email = values.find((v) => v.type === 'dataset PII (EMAIL)')!;
    const name = values.find((v) => v.type === 'dataset PII (PERSON)')!;
    const log = [
      '[pipeline] {"level":"info","msg":"stage ingest attempt 1 started","runId":"run_1"}',
      `[pipeline] {"level":"warn","msg":"Activity failed","err":{"message":"invalid JSON near ${email.value}"}}`,
      '[web] ready',
      // A value inside a JSON-escaped string still counts.
      `[gpu] ${JSON.stringify({ msg: `"${name.value}"` })}`,
    ].join('\n');
    const findings = scanLogForValues(log, values);
    expect(findings).toEqual([
      { type: 'dataset PII (EMAIL)', line: 2 },
      { type: 'dataset PII (PERSON)', line: 4 },
    ]);
    const message = describeFindings(findings, 'stack.log');
    expect(message).toContain('line 2 (dataset PII (EMAIL))');
    expect(message).not.toContain(email.value);
  });

  it('passes a log without any of the values', () => {
    expect(scanLogForValues('[gpu] {"level":"info","msg":"train: trainer exited with code 0","runId":"run_1","stage":"train","attempt":1}', values)).toEqual([]);
  });
});
