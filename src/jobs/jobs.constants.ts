/** The general-purpose queue. Heavy domains may get queues of their own later. */
export const JOBS_QUEUE = 'jobs';

export const DEFAULT_MAX_ATTEMPTS = 3;

/** A queued row older than this with no worker activity is put on the queue again. */
export const REQUEUE_AFTER_MS = 30_000;
export const REQUEUE_SWEEP_INTERVAL_MS = 15_000;

/** How long enqueueing waits for the queue backend before leaving the job to the sweep. */
export const QUEUE_ADD_TIMEOUT_MS = 5_000;
