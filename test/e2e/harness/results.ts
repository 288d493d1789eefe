// The ids of the restorations a page finished, recorded from its own `restore.onDone` events:
// what a spec polls after pressing Run, and reads to fetch the results it made.
import type { Page } from 'playwright-core';
import type { SpireApi } from '../../../preload/contract/channels';

type RecordingWindow = { spire: SpireApi; __results: string[] };

/** Starts recording the result ids of every successful restoration the page sees. */
export async function recordResults(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as RecordingWindow;
    w.__results = [];
    w.spire.restore.onDone((d) => d.result.ok && w.__results.push(d.result.value.resultId));
  });
}

/** The result ids recorded so far, oldest first. */
export function recordedResults(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(globalThis as unknown as RecordingWindow).__results]);
}
