/**
 * Fills the on-disk cache of every SDK's declarations (see loadDeclarations), as a process of its
 * own, so the suite's server keeps answering while the compiler reads the SDKs' .d.ts files.
 */
import { loadDeclarations, SDK_PACKAGES } from '../support/sdk-shapes.js';

for (const sdk of SDK_PACKAGES) loadDeclarations(sdk);
