/** Promise helpers for the store decorators' specs: work that ends when the test says. */

/** A promise the test settles when it chooses. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every callback already queued run (and those they queue, a few levels deep). */
export const drain = () => new Promise((resolve) => setImmediate(resolve));

/** Whether `promise` has settled yet, once what is queued has run, without waiting for it. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await drain();
  return done;
}
