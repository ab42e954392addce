import { spawn, type ChildProcess } from 'node:child_process';
import { PluginNotReadyError, type CapturedFrame } from '@aisle/sdk';
import { readCaptureStream } from './capture-stream.reader.js';

export interface LiveCaptureOptions {
  /** Capture program (default `tcpdump`; `dumpcap` works with the same arguments). */
  command?: string;
  /** Arguments; `{interface}` is replaced. Default: `-i {interface} -U -w -` (packet-buffered pcap on stdout). */
  args?: readonly string[];
  /** Grace period between SIGTERM and SIGKILL when stopping the child, ms. */
  killAfterMs?: number;
}

const DEFAULT_ARGS = ['-i', '{interface}', '-U', '-w', '-'] as const;
/** Bytes of the child's stderr kept for the error message (tcpdump says why in one line). */
const STDERR_TAIL_BYTES = 512;

/**
 * One capture run on a monitor-mode interface: spawns the capture program and yields the frames
 * of its stdout. When the child dies (missing interface, no permission, crash) the iterator throws
 * a `PluginNotReadyError` with the program's own explanation, so the driver reports it and retries
 * with back-off. The child is always killed and reaped when the iterator ends, however it ends.
 */
export class LiveCapture {
  constructor(
    private readonly iface: string,
    private readonly options: LiveCaptureOptions = {},
  ) {}

  async *frames(signal: AbortSignal): AsyncGenerator<CapturedFrame> {
    const command = this.options.command ?? 'tcpdump';
    const args = (this.options.args ?? DEFAULT_ARGS).map((a) =>
      a.replaceAll('{interface}', this.iface),
    );
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
    });
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
      child.stdout.destroy();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        child.once('close', (code, sig) => resolve({ code, signal: sig }));
        child.once('error', () => resolve({ code: null, signal: null }));
      },
    );
    const onAbort = (): void => void this.stop(child, exited);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        yield* readCaptureStream(child.stdout as AsyncIterable<Buffer>, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (spawnError) throw this.notReady(command, spawnError, stderr);
        // A format error on the pipe: the child's stderr usually says why (it died mid-record).
        const status = await Promise.race([exited, delay(500).then(() => undefined)]);
        if (status) throw this.died(command, status, stderr, (error as Error).message);
        throw error;
      }
      if (signal.aborted) return;
      if (spawnError) throw this.notReady(command, spawnError, stderr);
      throw this.died(command, await exited, stderr);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.stop(child, exited);
    }
  }

  private notReady(command: string, error: Error, stderr: string): PluginNotReadyError {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `${command} is not installed (not found)` : error.message;
    return new PluginNotReadyError(
      `live capture on ${this.iface}: ${why}${stderr ? `: ${lastLine(stderr)}` : ''}`,
    );
  }

  private died(
    command: string,
    status: { code: number | null; signal: NodeJS.Signals | null },
    stderr: string,
    formatError?: string,
  ): PluginNotReadyError {
    const how =
      status.signal !== null ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    const said = stderr.trim() ? `: ${lastLine(stderr)}` : '';
    const format = formatError ? ` (${formatError})` : '';
    return new PluginNotReadyError(
      `live capture on ${this.iface}: ${command} ${how}${said}${format}`,
    );
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the child is reaped. */
  private async stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.killAfterMs ?? 2000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    } else {
      await exited;
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]!.trim();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });
}
