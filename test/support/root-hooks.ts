// Mocha root hooks (loaded by .mocharc.json's `require`): whatever a test that timed out left starting
// is stopped before the next test, and before the file's worker moves on.
import { stopAbandonedStarts } from "./daemon-process.js";

export const mochaHooks = {
  async afterEach(): Promise<void> {
    await stopAbandonedStarts();
  },
  async afterAll(): Promise<void> {
    await stopAbandonedStarts();
  },
};
