import { describe, expect, it } from '@jest/globals';
import { displayName, storageName, withSuffix } from './file-name.js';

describe('displayName', () => {
  it('removes control and format characters and trims, keeping everything else', () => {
    expect(displayName('  cells\u0000\u0007\u200b.tif\n')).toBe('cells.tif');
    expect(displayName('../Zellen ü 細胞.tif')).toBe('../Zellen ü 細胞.tif');
  });

  it('calls a name with nothing left "unnamed"', () => {
    expect(displayName('\u0000\u0001 ')).toBe('unnamed');
  });

  it('shortens a long name to 1024 characters before its extension, never splitting a character', () => {
    const long = displayName(`${'a'.repeat(2000)}.ome.tiff`);
    expect(long).toHaveLength(1024);
    expect(long.endsWith('a.ome.tiff')).toBe(true);
    // A surrogate pair straddling the cut loses both halves.
    const emoji = displayName(`${'a'.repeat(1014)}${'😀'.repeat(10)}.tif`);
    expect(emoji.endsWith('.tif')).toBe(true);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('storageName', () => {
  it.each([
    ['../../etc/passwd.tif', 'passwd.tif'],
    ['C:\\Users\\me\\scan.tif', 'scan.tif'],
    ['a<b>c:d"e|f?g*h.tif', 'a_b_c_d_e_f_g_h.tif'],
    ['..hidden.tif', 'hidden.tif'],
    ['several   spaces\u00a0here.tif', 'several spaces here.tif'],
    ['a\ttab.tif', 'atab.tif'],
    ['trailing dots.tif. . ', 'trailing dots.tif'],
    ['nul\u0000byte.tif', 'nulbyte.tif'],
    ['CON.tif', '_CON.tif'],
    ['lpt1', '_lpt1'],
  ])('makes %j safe as %j', (raw, safe) => {
    expect(storageName(raw, 'tif')).toBe(safe);
  });

  it('names a file whose name had nothing usable after its extension', () => {
    expect(storageName('../..', 'tif')).toBe('upload.tif');
    expect(storageName('...', '')).toBe('upload');
  });

  it('keeps at most 200 bytes of UTF-8, the extension included', () => {
    const name = storageName(`${'ü'.repeat(300)}.ome.tiff`, 'ome.tiff');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    expect(name.endsWith('ü.ome.tiff')).toBe(true);
  });
});

describe('withSuffix', () => {
  it('puts the suffix before the whole extension, in its original case', () => {
    expect(withSuffix('a.OME.TIFF', 'ome.tiff', ' (1)')).toBe('a (1).OME.TIFF');
    expect(withSuffix('scan.tif', 'tif', '-0001')).toBe('scan-0001.tif');
    expect(withSuffix('README', '', '-0001')).toBe('README-0001');
  });

  it('shortens the name, not the suffix or extension, to stay within 200 bytes', () => {
    const name = withSuffix(`${'x'.repeat(196)}.tif`, 'tif', '-0001');
    expect(Buffer.byteLength(name)).toBe(200);
    expect(name.endsWith('x-0001.tif')).toBe(true);
  });
});
