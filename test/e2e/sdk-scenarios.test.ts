/**
 * Every official SDK works unmodified: one scenario suite (test/sdk/scenarios.ts), written once,
 * run through stripe-node 8, 12, 14, 16, 18 and 23 and stripe-python 5, each pinned to its own API
 * version, against one server. Clients and scenarios run concurrently, each scenario on a fresh
 * account. Afterwards every object each client received is checked against the shapes its SDK
 * declares for its version (test/support/sdk-shapes.ts); a child process reads the declarations
 * meanwhile. `SANDBANK_SDK_SHAPES_REPORT=<file>` also writes every client's mismatches there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LATEST_VERSION } from '../../src/platform/versions.js';
import type { SdkClient } from '../sdk/client.js';
import { CLIENTS } from '../sdk/clients.js';
import { Context, type Received } from '../sdk/context.js';
import { SCENARIOS } from '../sdk/scenarios.js';
import { type Declarations, loadDeclarations, SDK_PACKAGES, shapeReport } from '../support/sdk-shapes.js';
import { startServer, type TestServer } from '../support/server.js';

let server: TestServer;
const clients = new Map<string, SdkClient>();
const received = new Map<string, Received[]>();
let declarations: Promise<Map<string, Declarations>>;

/**
 * Every SDK's declarations. Reading them takes the compiler several seconds per SDK, so a child
 * process does it (and fills the on-disk cache) while the scenarios run; this process then only
 * reads the cache.
 */
async function loadAllDeclarations(): Promise<Map<string, Declarations>> {
  const worker = fileURLToPath(new URL('../sdk/shapes-worker.ts', import.meta.url));
  await promisify(execFile)(process.execPath, ['--import', 'tsx', worker], { maxBuffer: 1 << 20 });
  return new Map(SDK_PACKAGES.map((sdk) => [sdk, loadDeclarations(sdk)]));
}

before(async () => {
  declarations = loadAllDeclarations();
  declarations.catch(() => undefined);
  server = await startServer({ webhooks: { retrySchedule: [0.2, 0.2], timeoutMs: 1000, pollMs: 50 } });
  for (const spec of CLIENTS) {
    if (spec.skip) continue;
    clients.set(spec.label, spec.start(server.port));
    received.set(spec.label, []);
  }
});

after(async () => {
  for (const client of clients.values()) await client.close();
  await server?.close();
});

describe('every official SDK, unmodified', () => {
  describe('scenarios', { concurrency: true }, () => {
    for (const spec of CLIENTS) {
      // Every client at once, a few scenarios each: enough to overlap, not so many that two shared cores thrash.
      describe(spec.label, { concurrency: 4 }, () => {
        for (const scenario of SCENARIOS) {
          const options = spec.skip ? { skip: spec.skip } : scenario.todo ? { todo: `missing: ${scenario.todo}` } : {};
          it(scenario.name, options, async () => {
            const ctx = new Context(
              clients.get(spec.label) as SdkClient,
              server,
              scenario.name,
              received.get(spec.label) as Received[],
            );
            try {
              await scenario.run(ctx);
            } finally {
              await ctx.close();
            }
          });
        }
      });
    }
  });

  describe('received objects match the shapes each SDK declares for its version', () => {
    for (const spec of CLIENTS) {
      it(spec.label, spec.skip ? { skip: spec.skip } : {}, async () => {
        const client = clients.get(spec.label) as SdkClient;
        const decls = (await declarations).get(client.shapes);
        assert.ok(decls, `declarations of ${client.shapes}`);
        const objects = (received.get(spec.label) ?? []).map((r) => ({ object: r.object, via: r.step }));
        // The current SDK's declarations must match exactly; an older one's must all be there (see
        // UNDECLARED in sdk-shapes.ts: fields added since are sent to every version).
        const report = shapeReport(decls, objects, { allowUndeclared: client.apiVersion !== LATEST_VERSION });
        assert.ok(received.get(spec.label)?.length, 'the scenarios received objects');
        const details = report.map((line) => `  ${line}`).join('\n');
        // For the versions work: the whole list per client in one file, beside the test output.
        const reportFile = process.env.SANDBANK_SDK_SHAPES_REPORT;
        if (reportFile) appendFileSync(reportFile, `== ${spec.label} vs ${client.shapes}\n${details}\n`);
        assert.equal(
          report.length,
          0,
          `${spec.label}: objects differ from ${client.shapes}'s declarations:\n${details}`,
        );
      });
    }
  });
});
