// A promise that may reject before anyone awaits it (a read started ahead of time) must not
// count as an unhandled rejection, which would end the process: mark it handled now; the
// code that awaits it later still sees the error.

export function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
