/** The BullMQ states docscale reports, and which of them are backlog (accepted, not started). */
export const REPORTED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
export const BACKLOG_STATES = ['waiting', 'delayed', 'prioritized'] as const;

/** The backlog in a count by state (`Queue.getJobCounts`). */
export function backlogOf(counts: Record<string, number>): number {
  return BACKLOG_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
}

/** Every state docscale asks BullMQ to count. */
export const COUNTED_STATES = [...new Set([...REPORTED_STATES, ...BACKLOG_STATES])];
