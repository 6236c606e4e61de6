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
