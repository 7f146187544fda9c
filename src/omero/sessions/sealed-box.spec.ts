import { describe, expect, it } from '@jest/globals';
import { SealedBox } from './sealed-box.js';

describe('SealedBox', () => {
  const secret = 'a-jwt-secret-that-is-long-enough-for-tests';

  it('opens what it sealed, and seals the same text differently each time', () => {
    const box = new SealedBox(secret, 'tests');
    const first = box.seal('session-key-1234');
    expect(first).not.toContain('session-key-1234');
    expect(box.seal('session-key-1234')).not.toBe(first);
    expect(box.open(first)).toBe('session-key-1234');
  });

  it('opens nothing sealed under another secret or purpose, or changed since', () => {
    const sealed = new SealedBox(secret, 'tests').seal('session-key-1234');
    const [version, iv, tag, data] = sealed.split('.');
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] ^= 1;

    expect(new SealedBox(`${secret}-rotated`, 'tests').open(sealed)).toBeNull();
    expect(new SealedBox(secret, 'other things').open(sealed)).toBeNull();
    expect(new SealedBox(secret, 'tests').open([version, iv, tag, flipped.toString('base64url')].join('.'))).toBeNull();
    expect(new SealedBox(secret, 'tests').open('not a sealed box')).toBeNull();
  });
});
