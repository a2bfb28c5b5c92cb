/**
 * Every modelled API version change, registered with the renderer (platform/versions.ts). One file
 * per version date, each a list of `VersionChange`s keyed by the object type they change (and,
 * where a version renamed request parameters, `requestChanges` keyed by operation); a change to an
 * object Sandbank does not have yet simply never meets one. docs/versions.md lists them all.
 */
import { registerRequestChanges, registerVersionChanges } from '../platform/versions.js';
import { changes as v20221115 } from './2022-11-15.js';
import { changes as v20230816 } from './2023-08-16.js';
import { changes as v20240410 } from './2024-04-10.js';
import { requestChanges as r20250331, changes as v20250331 } from './2025-03-31.basil.js';
import { requestChanges as r20250930, changes as v20250930 } from './2025-09-30.clover.js';
import { requestChanges as r20260930 } from './2026-09-30.endive.js';

registerVersionChanges([...v20250930, ...v20250331, ...v20240410, ...v20230816, ...v20221115]);
registerRequestChanges([...r20250331, ...r20250930, ...r20260930]);
