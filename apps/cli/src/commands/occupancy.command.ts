import { once } from 'node:events';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { CaptureFileFrameSource } from '@aisle/hardware';
import { redactMacs } from '@aisle/sdk';
import { CliError } from '../cli-error.js';
import { readMacList, runOccupancy } from '../occupancy/occupancy-run.js';
import { findDecoders } from './decode.command.js';

interface OccupancyCliOptions {
  pcap: string;
  interval: number;
  exclude?: string;
  minRssi?: number;
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer ${min}..${max}`);
    }
    return n;
  };
}

/** `aisle occupancy --pcap <file> --interval 300 [--exclude <file>]`: people per interval, JSON lines. */
export function occupancyCommand(root: string): Command {
  return new Command('occupancy')
    .description(
      'Estimate people present per interval from the probe requests of a capture: one {"start","end","estimate","low","high","method"} JSON line per interval',
    )
    .requiredOption('--pcap <file>', 'capture file (pcap or pcapng)')
    .option('--interval <seconds>', 'interval length', integer('--interval', 10, 86_400), 300)
    .option(
      '--exclude <file>',
      "fixed devices to leave out (the store's own PCs, printers): one MAC a line",
    )
    .option(
      '--min-rssi <dBm>',
      'ignore probe requests weaker than this',
      integer('--min-rssi', -127, 20),
    )
    .action(async (options: OccupancyCliOptions) => {
      const decoders = await findDecoders(root);
      const entry = decoders.get('pcap');
      if (!entry) throw new CliError('no plugin offers the pcap decoder (is wifi-sniffer built?)');
      const exclude = options.exclude ? await readMacList(options.exclude) : new Set<string>();
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.once('SIGINT', onSigint);
      // A closed pipe (`| head`) ends the run quietly, like other line-printing tools.
      let closed = false;
      const onStdoutError = (): void => {
        closed = true;
        abort.abort();
      };
      process.stdout.once('error', onStdoutError);
      try {
        await runOccupancy({
          file: resolve(options.pcap),
          decoder: entry.decoder,
          ports: { frames: new CaptureFileFrameSource() },
          exclude,
          estimator: {
            intervalMs: options.interval * 1000,
            ...(options.minRssi !== undefined ? { minRssi: options.minRssi } : {}),
          },
          writeLine: async (line) => {
            if (closed) return;
            if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
          },
          warn: (text) => void process.stderr.write(`aisle occupancy: ${text}\n`),
          signal: abort.signal,
        });
      } catch (error) {
        if (closed) return;
        if (error instanceof CliError) throw error;
        throw new CliError(
          `occupancy of ${options.pcap} failed: ${redactMacs((error as Error).message)}`,
          1,
        );
      } finally {
        process.off('SIGINT', onSigint);
        process.stdout.off('error', onStdoutError);
      }
    });
}
