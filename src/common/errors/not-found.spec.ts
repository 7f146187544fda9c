import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from './app-error.js';
import { notFound, notFoundMessage } from './not-found.js';

describe('messages for an unknown id', () => {
  it('name the thing and the id, and say "of yours" for records only their owner sees', () => {
    expect(notFoundMessage('upload', 'abc')).toBe('There is no upload abc.');
    expect(notFoundMessage('import job', 'abc', { ofYours: true })).toBe('There is no import job abc of yours.');
  });

  it('repeat at most 64 characters of the id', () => {
    const message = notFoundMessage('upload', 'x'.repeat(10_000));
    expect(message).toBe(`There is no upload ${'x'.repeat(64)}.`);
  });

  it('are NOT_FOUND errors', () => {
    expect(notFound('upload', 'abc')).toMatchObject({ code: ErrorCode.NOT_FOUND, message: 'There is no upload abc.' });
  });
});
