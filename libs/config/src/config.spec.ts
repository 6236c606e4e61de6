import { ConfigError, loadConfig } from './config';

describe('loadConfig: GOVFLOW_WEBHOOK_PUBLIC_ONLY', () => {
  it('is off unless set', () => {
    expect(loadConfig({}).notifications.webhookPublicOnly).toBe(false);
    expect(loadConfig({ GOVFLOW_WEBHOOK_PUBLIC_ONLY: '' }).notifications.webhookPublicOnly).toBe(false);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads %s as %s', (raw, expected) => {
    expect(loadConfig({ GOVFLOW_WEBHOOK_PUBLIC_ONLY: raw }).notifications.webhookPublicOnly).toBe(expected);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ GOVFLOW_WEBHOOK_PUBLIC_ONLY: 'sí' })).toThrow(new ConfigError('GOVFLOW_WEBHOOK_PUBLIC_ONLY must be true or false; got "sí"'));
  });
});

describe('loadConfig: HOST', () => {
  it('answers this machine only while the demo (whose tokens are public) is seeded, and every interface otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ GOVFLOW_SEED: 'demo', DATABASE_URL: 'postgres://db.example/govflow' }).host).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/govflow' }).host).toBe('0.0.0.0');
    expect(loadConfig({ GOVFLOW_SEED: 'none' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
