import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginNotReadyError } from '@aisle/sdk';
import { LiveCapture } from './live-capture.js';
import { CaptureFileFrameSource } from './pcap-file.source.js';

const CAPTURE = join(
  process.cwd(),
  '..',
  'shared',
  'data',
  'probe-requests-but-position1',
  'pcap',
  'sc6-61_2024-03-16_anonymized.pcap',
);
const dir = mkdtempSync(join(tmpdir(), 'aisle-live-'));
const pidFile = join(dir, 'pid');
/**
 * A stand-in for tcpdump: `-i <if> -U -w -` like the real one; by interface name it streams the
 * capture and exits, streams it then crashes, says the device does not exist, or keeps running.
 */
const FAKE = join(dir, 'fake-tcpdump');
writeFileSync(
  FAKE,
  `#!/bin/sh
echo $$ > ${pidFile}
case "$2" in
  replay) cat ${CAPTURE}; exit 0 ;;
  crash) head -c 5000 ${CAPTURE}; echo "fake-tcpdump: segmentation fault" >&2; kill -SEGV $$ ;;
  missing) echo "tcpdump: $2: No such device exists" >&2; exit 1 ;;
  forever) cat ${CAPTURE}; exec sleep 60 ;;
esac
`,
);
chmodSync(FAKE, 0o755);

async function run(
  iface: string,
  options: { command?: string; stopAfter?: number } = {},
): Promise<{ count: number; error?: unknown }> {
  const sut = new LiveCapture(iface, { command: options.command ?? FAKE, killAfterMs: 500 });
  const abort = new AbortController();
  let count = 0;
  try {
    for await (const _ of sut.frames(abort.signal)) {
      count += 1;
      if (options.stopAfter !== undefined && count >= options.stopAfter) abort.abort();
    }
    return { count };
  } catch (error) {
    return { count, error };
  }
}

function reaped(): boolean {
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 0); // a zombie still answers signal 0
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe(LiveCapture.name, () => {
  it('yields the frames the child writes to stdout, then reports its exit as not ready', async () => {
    const { count, error } = await run('replay');
    expect(count).toBe(2507);
    expect(error).toBeInstanceOf(PluginNotReadyError);
    expect((error as Error).message).toMatch(
      /live capture on replay: .*fake-tcpdump exited with code 0/,
    );
    expect(reaped()).toBe(true);
  });

  it('keeps the frames before a crash and names the signal and what the child said', async () => {
    const { count, error } = await run('crash');
    expect(count).toBeGreaterThan(0);
    expect((error as Error).message).toMatch(
      /was killed by SIGSEGV: fake-tcpdump: segmentation fault/,
    );
    expect(reaped()).toBe(true);
  });

  it('reports a missing interface in the capture program’s own words', async () => {
    const { count, error } = await run('missing');
    expect(count).toBe(0);
    expect((error as Error).message).toMatch(
      /exited with code 1: tcpdump: missing: No such device exists/,
    );
  });

  it('reports a capture program that is not installed', async () => {
    const { error } = await run('wlan0', { command: join(dir, 'no-such-tcpdump') });
    expect(error).toBeInstanceOf(PluginNotReadyError);
    expect((error as Error).message).toMatch(/no-such-tcpdump is not installed/);
  });

  it('kills and reaps the child when the consumer stops (no zombie)', async () => {
    const { count, error } = await run('forever', { stopAfter: 10 });
    expect(error).toBeUndefined();
    expect(count).toBe(10);
    expect(reaped()).toBe(true);
  });

  it('is what the frame-source port opens for an interface', async () => {
    const sut = new CaptureFileFrameSource({ command: FAKE });
    let count = 0;
    await expect(
      (async () => {
        for await (const _ of sut.open({ interface: 'replay' }, new AbortController().signal)) {
          count += 1;
        }
      })(),
    ).rejects.toThrow(/exited with code 0/);
    expect(count).toBe(2507);
  });
});
