import type { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { ThrottledWarning } from './throttled-warning';

describe('ThrottledWarning', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('logs the first failure at once and then at most once per interval', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const lines: string[] = [];
    const logger = { warn: (line: string) => lines.push(line) } as unknown as Logger;
    const warning = new ThrottledWarning(logger, 'relay is retrying', 5_000);

    warning.log(new Error('connect ECONNREFUSED'));
    jest.advanceTimersByTime(4_999);
    warning.log(new Error('still down'));
    jest.advanceTimersByTime(1);
    warning.log('down for good');

    expect(lines).toEqual(['relay is retrying: connect ECONNREFUSED', 'relay is retrying: down for good']);
  });
});
