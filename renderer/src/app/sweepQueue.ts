/**
 * The sweep's queue. The store's `sweep.run` is the queue (cells, the next one, results per
 * cell); this module starts a cell when the previous one ended, with one seed for every cell
 * and the cell's prompt and run settings (`cellJob`), so the cells differ only in the swept values. Each finished cell is a
 * history entry that does not take over the view.
 *
 *   start  cells from the target's controls (the photo's prompt, or a region's); a sweep that cannot run
 *          or would change nothing (`sweepProblem`) is refused with the reason -> sweep/started -> the first cell
 *   a cell ended: done -> keep it, sweep/cellDone -> the next cell
 *                 failed -> sweep/cellFailed -> the next cell
 *                 cancelled -> sweep/cancelled (the queue stops)
 *   a cell that does not start cancels the sweep.
 * A sweep belongs to the photo it started on (state/sessions.ts): its cells run on that photo and
 * land in its history while another photo is shown.
 */
import type { RestoredImage, Result } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import { seedForRun } from '../state/settings';
import { forPhoto, photoState } from '../state/sessions';
import type { Store } from '../state/store';
import type { SweepAxis, SweepTarget } from '../state/sweep';
import { PHOTO_TARGET, cellJob, cellLabel, sweepCells, sweepControls, sweepProblem } from '../state/sweep';
import type { Jobs } from './jobs';
import type { ResultHistory } from './resultHistory';
import { shown } from './runFailures';

export interface SweepQueue {
  /** Starts a sweep over `axes` of the target's prompt (default: the photo's; ignored while a job runs). */
  start(axes: SweepAxis[], target?: SweepTarget): Promise<void>;
  /** Stops a running sweep (Cancel): no further cell starts. */
  stop(): void;
}

export function createSweepQueue(store: Store<AppState, AppAction>, jobs: Jobs, history: ResultHistory, random: () => number, now: () => number): SweepQueue {
  const dispatch = (action: AppAction) => store.dispatch(action);
  const studio = () => store.getState().studio;
  const studioOf = (key: string | null) => (key === null ? studio() : photoState(store.getState(), key)?.studio ?? null);
  const send = (key: string | null, action: AppAction) => dispatch(forPhoto(key, action));

  /** Starts the next cell of the sweep of photo `key` (its session key; null: the shown photo). */
  async function nextCell(key: string | null): Promise<void> {
    const run = studioOf(key)?.sweep.run;
    if (!run || run.status !== 'running' || run.next >= run.cells.length) return;
    const cell = run.cells[run.next]!;
    const sweepId = run.id;
    send(key, { type: 'sweep/cellStarted', id: sweepId, index: cell.index });
    const ended = async (outcome: Result<RestoredImage>): Promise<void> => {
      if (!outcome.ok) {
        if (outcome.error.code === 'cancelled') return void send(key, { type: 'sweep/cancelled', id: sweepId });
        send(key, { type: 'sweep/cellFailed', id: sweepId, index: cell.index, reason: outcome.error.message });
        return nextCell(key);
      }
      const entryId = await history.keep(outcome.value, sweepId, false, key ?? undefined);
      if (entryId) {
        // The run's own words read the same for every cell of a settings sweep: name the entry by its cell.
        send(key, { type: 'history/rename', id: entryId, name: `sweep · ${cellLabel(cell)}` });
        send(key, { type: 'sweep/cellDone', id: sweepId, index: cell.index, entryId });
      } else send(key, { type: 'sweep/cellFailed', id: sweepId, index: cell.index, reason: 'could not be shown' });
      return nextCell(key);
    };
    const jobId = await jobs.start({ kind: 'sweep', ...cellJob(run.target, cell), seed: run.seed, ...(key !== null ? { photoKey: key } : {}) }, ended);
    if (!jobId) {
      send(key, { type: 'sweep/cellFailed', id: sweepId, index: cell.index, reason: 'did not start' });
      send(key, { type: 'sweep/cancelled', id: sweepId });
    }
  }

  return {
    async start(axes, target = PHOTO_TARGET) {
      if (studio().job.status !== 'idle') return;
      let cells;
      try {
        cells = sweepCells(sweepControls(store.getState(), target), axes);
      } catch (err) {
        dispatch(shown({ code: 'bad-sweep', message: err instanceof Error ? err.message : String(err) }));
        return;
      }
      const problem = sweepProblem(axes, studio().settings, store.getState().engine?.pack?.hasRestorer);
      if (problem) return void dispatch(shown({ code: 'bad-sweep', message: problem }));
      // One seed for every cell, so the cells differ only in the swept parameter.
      const seed = seedForRun(studio().settings, random);
      dispatch({ type: 'sweep/started', id: `sweep-${now()}`, axes, cells, seed, ...(target.kind === 'region' ? { target } : {}) });
      await nextCell(store.getState().sessions.activeKey);
    },

    stop() {
      const run = studio().sweep.run;
      if (run && run.status === 'running') dispatch({ type: 'sweep/cancelled', id: run.id });
    },
  };
}
