/** Where long operations report what they are doing (the CLI prints it on stderr). */
export type ProgressFn = (message: string) => void;

export const noProgress: ProgressFn = () => {};

/** Passes at most one message a second through to `progress` (plus every forced one). */
export function throttled(
  progress: ProgressFn,
  everyMs = 1000,
): (message: () => string, force?: boolean) => void {
  let last = Date.now();
  return (message, force = false) => {
    const now = Date.now();
    if (!force && now - last < everyMs) return;
    last = now;
    progress(message());
  };
}
