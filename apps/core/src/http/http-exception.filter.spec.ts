import { NotFoundException } from '@nestjs/common';
import { capEchoedText, httpExceptionResponse } from './http-exception.filter.js';

describe(capEchoedText.name, () => {
  it('cuts every run of more than 64 non-space characters to 64 and "…", keeps prose', () => {
    const long = 'x'.repeat(100_000);
    expect(capEchoedText(`Cannot GET /api/${long}`)).toBe(
      `Cannot GET ${`/api/${long}`.slice(0, 64)}…`,
    );
    const prose = 'must be one of visits, passers-by, capture-rate, unique-visitors';
    expect(capEchoedText(prose)).toBe(prose);
  });

  it('keeps the status and the rest of the body', () => {
    expect(httpExceptionResponse(new NotFoundException(`no store "${'s'.repeat(200)}"`))).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: 'Not Found',
        message: `no store ${`"${'s'.repeat(200)}"`.slice(0, 64)}…`,
      },
    });
  });
});
