import { isDependencyUnavailable } from './dependency-unavailable';
import { toProblem } from './problem-details.filter';

describe('isDependencyUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a fast shutdown ending the session (57P01)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a server starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a connection exception (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['one wrapped as a cause', new Error('query failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) })],
    ['one wrapped as a driver error', Object.assign(new Error('QueryFailedError'), { driverError: Object.assign(new Error('x'), { code: '57P01' }) })],
    ['every address refused', new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'all failed')],
  ])('%s is unavailability', (_, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a statement timeout', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is not', (_, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });

  it('makes the problem a 503 to retry, not a 500', () => {
    const answer = toProblem(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    expect(answer.status).toBe(503);
    expect(answer.type).toMatch(/service_unavailable$/);
    expect(toProblem(new TypeError('a bug')).status).toBe(500);
  });
});
