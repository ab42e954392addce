import { ingestHealth } from './ingest-status.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const quiet = {
  backlog: 0,
  spilledRows: 0,
  spillBytes: 0,
  oldestUnstoredAt: null,
  failingSince: null,
  dropped: 0,
  unacknowledged: 0,
};

describe(ingestHealth.name, () => {
  it('is ok while rows reach the database within seconds', () => {
    const sut = ingestHealth({ ...quiet, backlog: 800, oldestUnstoredAt: NOW - 300 }, NOW);

    expect(sut).toMatchObject({ status: 'ok', reasons: [], backlogRows: 800 });
    expect(sut.oldestUnstoredAgeSeconds).toBe(0.3);
  });

  it('is degraded while writes fail, rows are spilled, or the oldest row waits too long — saying why', () => {
    const sut = ingestHealth(
      {
        ...quiet,
        backlog: 1200,
        spilledRows: 5000,
        spillBytes: 700_000,
        oldestUnstoredAt: NOW - 12_000,
        failingSince: NOW - 10_000,
        unacknowledged: 40,
        dropped: 3,
        redeliveriesAlreadyStored: 2,
      },
      NOW,
    );

    expect(sut).toEqual({
      status: 'degraded',
      reasons: [
        'database writes failing for 10 s',
        '5000 observations in the local spill file',
        'oldest unstored observation is 12 s old',
      ],
      backlogRows: 1200,
      unacknowledgedMessages: 40,
      spilledRows: 5000,
      spillBytes: 700_000,
      oldestUnstoredAgeSeconds: 12,
      droppedRows: 3,
      redeliveriesAlreadyStored: 2,
    });
    expect(ingestHealth({ ...quiet, oldestUnstoredAt: NOW - 6000 }, NOW).status).toBe('degraded');
  });
});
