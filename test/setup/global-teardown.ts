import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__SERVICES__ as
    { services: { stop(): Promise<void> }; dataDir: string } | undefined;
  await state?.services.stop();
  if (state) rmSync(state.dataDir, { recursive: true, force: true });
}
