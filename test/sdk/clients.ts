/**
 * The clients the suite drives: every installed stripe-node major, each pinned to the API version
 * it was generated for, and stripe-python 5 pinned to its own (2022-11-15).
 */
import type { SdkClient } from './client.js';
import { nodeClient } from './node-client.js';
import { pythonClient, pythonStripeAvailable } from './python-client.js';

export interface ClientSpec {
  /** The test name: `stripe-node 12 (2022-11-15)`. */
  label: string;
  /** Why this client cannot run here (its SDK is not installed outside CI), if it cannot. */
  skip?: string;
  start(port: number): SdkClient;
}

function node(
  pkg: 'stripe-v8' | 'stripe-v12' | 'stripe-v14' | 'stripe-v16' | 'stripe-v18' | 'stripe',
  major: number,
  version: string,
): ClientSpec {
  return { label: `stripe-node ${major} (${version})`, start: (port) => nodeClient(pkg, version, port) };
}

export const CLIENTS: readonly ClientSpec[] = [
  node('stripe-v8', 8, '2020-08-27'),
  node('stripe-v12', 12, '2022-11-15'),
  node('stripe-v14', 14, '2023-10-16'),
  node('stripe-v16', 16, '2024-06-20'),
  node('stripe-v18', 18, '2025-08-27.basil'),
  node('stripe', 23, '2026-10-28.endive'),
  {
    label: 'stripe-python 5 (2022-11-15)',
    // CI installs python3-stripe (.ci/run) and must run it; a workstation without it skips it.
    ...(process.env.CI !== 'true' && !pythonStripeAvailable()
      ? { skip: 'Debian python3-stripe is not installed (apt-get install python3-stripe)' }
      : {}),
    start: (port) => pythonClient('2022-11-15', port),
  },
];
