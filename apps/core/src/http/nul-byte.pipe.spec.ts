import { BadRequestException } from '@nestjs/common';
import { RejectNulBytesPipe, nulByteFields } from './nul-byte.pipe.js';

describe(RejectNulBytesPipe.name, () => {
  const sut = new RejectNulBytesPipe();

  it('names every field holding a NUL byte, nested ones by path, without the value', () => {
    expect(
      nulByteFields({ name: 'a\u0000b', policy: { notice: { tags: ['ok', 'x\u0000'] } } }, ''),
    ).toEqual([
      { field: 'name', value: '[3 characters, not shown]', message: expect.any(String) },
      {
        field: 'policy.notice.tags[1]',
        value: '[2 characters, not shown]',
        message: 'must not contain a NUL byte (\\u0000)',
      },
    ]);
  });

  it('refuses a path parameter by its name and passes clean input through', () => {
    expect(() => sut.transform('demo\u0000', { type: 'param', data: 'storeId' })).toThrow(
      BadRequestException,
    );
    try {
      sut.transform('demo\u0000', { type: 'param', data: 'storeId' });
    } catch (error) {
      expect((error as BadRequestException).getResponse()).toMatchObject({
        errors: [{ field: 'storeId' }],
      });
    }
    const body = { name: 'fine', n: 1, list: [null, true] };
    expect(sut.transform(body, { type: 'body' })).toBe(body);
  });
});
