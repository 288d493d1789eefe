/** JobQueue: one at a time, in order; cancel before start never runs; cancel while running aborts; failures do not stop the queue. */
import { describe, expect, it } from 'vitest';
import { SpireError } from '../../../../../common/errors';
import { JobQueue } from '../../../../../main/engine/jobs/JobQueue';
import { formatDuration } from '../../../../../main/engine/jobs/progress';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('JobQueue', () => {
  it('runs jobs one at a time in submission order', async () => {
    const q = new JobQueue();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const job = (name: string, ms: number) => async (): Promise<string> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([q.submit(1, job('a', 20)), q.submit(2, job('b', 1)), q.submit(3, job('c', 5))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(maxRunning).toBe(1);
  });

  it('never runs a job cancelled while queued, and aborts the running one through its signal', async () => {
    const q = new JobQueue();
    const ran: number[] = [];
    let sawAbort = false;
    const first = q.submit(1, async (signal) => {
      ran.push(1);
      while (!signal.aborted) await tick(2);
      sawAbort = true;
      throw new Error('stopped');
    });
    const second = q.submit(2, async () => {
      ran.push(2);
    });
    const third = q.submit(3, async () => {
      ran.push(3);
      return 'third';
    });
    expect(q.ids()).toEqual([1, 2, 3]);
    expect(q.cancel(2)).toBe(true);
    await expect(second).rejects.toBeInstanceOf(SpireError);
    await expect(second).rejects.toMatchObject({ code: 'cancelled' });
    expect(q.cancel(1)).toBe(true);
    await expect(first).rejects.toThrow('stopped');
    expect(await third).toBe('third');
    expect(sawAbort).toBe(true);
    expect(ran).toEqual([1, 3]);
    expect(q.cancel(99)).toBe(false);
  });

  it('goes on after a job that throws (also synchronously)', async () => {
    const q = new JobQueue();
    const a = q.submit(1, () => {
      throw new Error('sync boom');
    });
    const b = q.submit(2, async () => Promise.reject(new Error('async boom')));
    const c = q.submit(3, async () => 'ok');
    await expect(a).rejects.toThrow('sync boom');
    await expect(b).rejects.toThrow('async boom');
    expect(await c).toBe('ok');
    expect(q.busy).toBe(false);
  });
});

describe('formatDuration', () => {
  it('formats durations for people', () => {
    expect(formatDuration(400)).toBe('0.4 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(65_000)).toBe('1 min 05 s');
  });
});
