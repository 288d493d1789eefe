/**
 * The engine worker's one queue: jobs run one at a time, in submission order.
 *
 *   submit(id, run) -> queued -> running (run(signal)) -> settled
 *                        |            |
 *                   cancel(id)    cancel(id): the job's AbortSignal fires; the job
 *                   never runs,   stops at its next check (the pipeline checks
 *                   rejects with  before every model call) and rejects.
 *                   SpireError
 *                   `cancelled`
 *
 * A job that fails rejects its own promise only; the queue goes on with the next.
 */
import { SpireError } from '../../../common/errors';

/** What a job cancelled while it waited rejects with (the worker sends it as the request's error). */
export function cancelledBeforeStart(): SpireError {
  return new SpireError('cancelled', 'The request was cancelled before it started.');
}

interface QueuedJob {
  id: number;
  run: (signal: AbortSignal) => Promise<unknown>;
  controller: AbortController;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface JobQueueListener {
  /** A job is about to run (`queued` = how many wait behind it). */
  onStart?(id: number, queued: number): void;
  /** The queue ran dry. */
  onIdle?(): void;
}

export class JobQueue {
  private readonly waiting: QueuedJob[] = [];
  private running: QueuedJob | null = null;

  constructor(private readonly listener: JobQueueListener = {}) {}

  /** Queues `run`; it receives an AbortSignal that fires when the job is cancelled. */
  submit<T>(id: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ id, run, controller: new AbortController(), resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Cancels a queued job (it never runs) or aborts the running one. Returns false for an unknown id. */
  cancel(id: number): boolean {
    if (this.running?.id === id) {
      this.running.controller.abort();
      return true;
    }
    const index = this.waiting.findIndex((j) => j.id === id);
    if (index < 0) return false;
    const [job] = this.waiting.splice(index, 1);
    job?.controller.abort();
    job?.reject(cancelledBeforeStart());
    return true;
  }

  /** Ids of the running job (first) and the waiting ones, in order. */
  ids(): number[] {
    return [...(this.running ? [this.running.id] : []), ...this.waiting.map((j) => j.id)];
  }

  get busy(): boolean {
    return this.running !== null;
  }

  private pump(): void {
    if (this.running) return;
    const job = this.waiting.shift();
    if (!job) {
      this.listener.onIdle?.();
      return;
    }
    this.running = job;
    this.listener.onStart?.(job.id, this.waiting.length);
    let result: Promise<unknown>;
    try {
      result = job.run(job.controller.signal);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(job.resolve, job.reject).finally(() => {
      this.running = null;
      this.pump();
    });
  }
}
