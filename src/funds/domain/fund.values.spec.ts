import { TRACKS } from '../../kernel/track';
import { FUND_STREAM_TYPE, FUND_WINDOWS, fundStreamId, isFundWindow } from './fund.values';

describe('fund names', () => {
  it('the windows are the request tracks', () => {
    expect([...FUND_WINDOWS]).toEqual([...TRACKS]);
    expect(isFundWindow('rapid_response')).toBe(true);
    expect(isFundWindow('emergency')).toBe(false);
    expect(isFundWindow(undefined)).toBe(false);
  });

  it('a fund stream per fiscal year', () => {
    expect(FUND_STREAM_TYPE).toBe('fund');
    expect(fundStreamId(2027)).toBe('fund-2027');
  });
});
