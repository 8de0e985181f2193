/** The ops CLI's exit codes, the same for every command. */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2 } as const;
