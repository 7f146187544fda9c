import { describe, expect, it } from '@jest/globals';
import { ErrorCode, errorCodeOf, httpStatusOf } from './app-error.js';

describe('error codes', () => {
  it('map every code to an HTTP status and back', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(errorCodeOf(httpStatusOf(code))).toBe(code);
    }
  });

  it('treat other client errors as bad input and server errors as internal', () => {
    expect(errorCodeOf(413)).toBe(ErrorCode.BAD_USER_INPUT);
    expect(errorCodeOf(502)).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
  });
});
