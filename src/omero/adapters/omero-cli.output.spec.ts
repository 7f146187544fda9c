import { describe, expect, it } from '@jest/globals';
import { parseErrorCount, parseImportOutput } from './omero-cli.output.js';

describe("reading the importer's output", () => {
  it('reads yaml with flow and block lists, and several filesets', () => {
    const yaml = [
      '---',
      '- Fileset: 12',
      '  Image: [101, 102]',
      '- Fileset: 13',
      '  Plate: [5]',
      '  Image:',
      '  - 201',
      '  - 202',
      '',
    ];
    expect(parseImportOutput(yaml.join('\n'))).toEqual({
      filesetIds: ['12', '13'],
      imageIds: ['101', '102', '201', '202'],
      plateIds: ['5'],
    });
  });

  it('reads the default ids output too, and nothing from an empty file', () => {
    expect(parseImportOutput('Plate:5\nImage:101,102\n')).toEqual({
      filesetIds: [],
      imageIds: ['101', '102'],
      plateIds: ['5'],
    });
    expect(parseImportOutput('')).toEqual({ filesetIds: [], imageIds: [], plateIds: [] });
  });

  it("takes the error count from the summary's last line, and null without one", () => {
    const summary = '==> Summary\n1 file uploaded, 1 fileset created, 1 image imported, 0 errors in 00:00:02.315\n';
    expect(parseErrorCount(summary)).toBe(0);
    expect(parseErrorCount('0 errors in 00:00:01.000\n2 errors in 00:00:03.000')).toBe(2);
    expect(parseErrorCount('1 error in 00:00:01.000')).toBe(1);
    expect(parseErrorCount('No imports due to errors!')).toBeNull();
  });
});

describe("reading the importer's output, as other platforms write it", () => {
  it('reads CRLF line ends, and closes a block list at the next key', () => {
    const yaml = ['---', '- Fileset: 7', '  Image:', '  - 70', '  - 71', '- Fileset: 8', '  Image: [80]', ''];
    expect(parseImportOutput(yaml.join('\r\n'))).toEqual({
      filesetIds: ['7', '8'],
      imageIds: ['70', '71', '80'],
      plateIds: [],
    });
  });
});
