import { ensurePrefixed } from './field-prefix.js';

describe('ensurePrefixed', () => {
  it('prefixes fields that lack the prefix, keeps those that have it', () => {
    const sut = ensurePrefixed('config', [
      { field: 'config.topic', value: 1, message: 'a' },
      { field: 'topic', value: 2, message: 'b' },
      { field: '[0]', value: 3, message: 'c' },
      { field: '(root)', value: 4, message: 'd' },
      { field: 'configuration', value: 5, message: 'e' },
    ]);
    expect(sut.map((e) => e.field)).toEqual([
      'config.topic',
      'config.topic',
      'config[0]',
      'config',
      'config.configuration',
    ]);
  });
});
