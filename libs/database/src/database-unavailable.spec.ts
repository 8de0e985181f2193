import {
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
} from 'mongodb';
import { Error as MongooseErrors } from 'mongoose';
import { isDatabaseUnavailable } from './database-unavailable';
import { DatabaseUnavailableError } from './fail-fast.plugin';

describe('isDatabaseUnavailable', () => {
  it.each([
    [
      'no server to select',
      new MongoServerSelectionError('Server selection timed out after 1000 ms', {} as never),
    ],
    ['a dropped socket', new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed')],
    ['a socket timeout', new MongoNetworkTimeoutError('connection timed out')],
    ['a node shutting down', new MongoServerError({ code: 91, errmsg: 'ShutdownInProgress' })],
    [
      'a query over its time limit',
      new MongoServerError({ code: 50, errmsg: 'operation exceeded time limit' }),
    ],
    ['the fail-fast refusal', new DatabaseUnavailableError()],
    ['a wrapped driver error', new Error('load failed', { cause: new MongoNetworkError('reset') })],
    [
      'a pool cleared',
      Object.assign(new Error('Connection pool was cleared'), { name: 'MongoPoolClearedError' }),
    ],
    [
      "mongoose's buffering timeout",
      new MongooseErrors('Operation `events.find()` buffering timed out after 10000ms'),
    ],
  ])('says yes to %s', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('says yes to a raw socket error thrown from inside the driver', () => {
    const err = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    err.stack = `${err.message}\n    at Connection.writeCommand (/app/node_modules/mongodb/lib/cmap/connection.js:1:1)`;
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a duplicate key', new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' })],
    ['a bad query', new MongoServerError({ code: 2, errmsg: 'unknown operator: $foo' })],
    [
      'a socket error from elsewhere (a webhook target)',
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    ],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'ECONNRESET'],
    ['nothing', undefined],
  ])('says no to %s', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
