import { AppConfig, ConfigError } from './app-config';

describe('AppConfig.fromEnv with { datastores: false }', () => {
  it('needs no MONGODB_URI or REDIS_URL and marks the configuration as having no datastores', () => {
    const config = AppConfig.fromEnv({ OPENAI_MODEL: 'm' }, { datastores: false });
    expect(config.datastores).toBe(false);
    expect(config.mongodbUri).toContain('.invalid');
    expect(config.redisUrl).toContain('.invalid');
    expect(config.llm.model).toBe('m');
  });

  it('ignores datastore variables, even bad ones, but still validates the rest', () => {
    expect(AppConfig.fromEnv({ MONGODB_URI: 'nonsense' }, { datastores: false }).datastores).toBe(false);
    expect(() => AppConfig.fromEnv({ LLM_TIMEOUT_MS: 'soon' }, { datastores: false })).toThrow(ConfigError);
  });

  it('keeps requiring them by default', () => {
    expect(() => AppConfig.fromEnv({})).toThrow('MONGODB_URI is required');
    const config = AppConfig.fromEnv({
      MONGODB_URI: 'mongodb://127.0.0.1/x',
      REDIS_URL: 'redis://127.0.0.1',
    });
    expect(config.datastores).toBe(true);
  });
});
