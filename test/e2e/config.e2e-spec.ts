import { API_ENTRY, OPS_ENTRY, runNode } from '../support/cli';

describe('a bad configuration stops the process with one line', () => {
  const env = { MONGODB_URI: 'mongodb://127.0.0.1:1/x', REDIS_URL: 'redis://127.0.0.1:1' };

  it.each([
    ['the API', API_ENTRY],
    ['the ops CLI', OPS_ENTRY],
  ])('%s exits 2 naming the variable, without a stack trace', async (_name, entry) => {
    const res = await runNode(entry, ['check', 'health'], { ...env, PORT: 'not-a-port' });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('Configuration error: PORT must be an integer (got "not-a-port")');
    expect(res.stdout).toBe('');
  });
});
