/**
 * Polls `check` until it returns true or the deadline passes: tests synchronise on observable
 * state, never on a guessed sleep.
 */
export async function pollUntil(
  check: () => Promise<boolean> | boolean,
  { timeoutMs = 5000, intervalMs = 25, what = 'condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
