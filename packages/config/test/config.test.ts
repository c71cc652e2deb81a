import { baseServiceSchema, ConfigError, parseConfig } from '../src';

const valid = {
  SERVICE_NAME: 'billing',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5433/billing',
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  JWT_SECRET: 'a-secret-of-enough-length',
};

describe('parseConfig', () => {
  it('parses and applies defaults', () => {
    const config = parseConfig(baseServiceSchema, valid);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9094']);
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.PORT).toBe(0);
    expect(config.NODE_ENV).toBe('development');
  });

  it('lists every problem at once', () => {
    const attempt = () => parseConfig(baseServiceSchema, { ...valid, DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', PORT: 'x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/DATABASE_URL/);
      expect(problems).toMatch(/JWT_SECRET/);
      expect(problems).toMatch(/PORT/);
    }
  });
});
