import { ValidationError } from '@app/common';
import { formatDuration, parseDuration } from './durations';

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    for (const bad of ['', '1', '1x', 'h', '0s', '1h 30m'])
      expect(() => parseDuration(bad)).toThrow(ValidationError);
  });
});
