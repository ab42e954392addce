import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { checkPlugins, discoverPlugins } from '@aisle/core/plugins';
import { CliError } from '../cli-error.js';

/** `aisle plugins check [dirs…]`: our hassfest. Validates every plugin; non-zero exit on any problem. */
export function pluginsCommand(root: string): Command {
  const plugins = new Command('plugins').description('Inspect and validate plugins');
  plugins
    .command('check')
    .description('Validate manifests, READMEs, entries and requirements of every plugin')
    .argument('[dirs...]', 'plugin folders to check (default: plugins/)')
    .action(async (dirs: string[]) => {
      const pluginDirs = dirs.length > 0 ? dirs.map((d) => resolve(d)) : [join(root, 'plugins')];
      const found = await discoverPlugins({ pluginDirs });
      const problems = await checkPlugins(found, { rootDir: root });
      for (const plugin of found) {
        const mine = problems.filter(
          (p) => p.dir === plugin.dir || p.plugin === plugin.manifest.domain,
        );
        process.stdout.write(
          `${mine.length === 0 ? 'ok  ' : 'FAIL'} ${plugin.manifest.domain} (${plugin.dir})\n`,
        );
      }
      if (problems.length > 0) {
        throw new CliError(problems.map((p) => `${p.plugin}: ${p.problem}`).join('\n'));
      }
      process.stdout.write(`${found.length} plugin(s) checked, no problems\n`);
    });
  return plugins;
}
