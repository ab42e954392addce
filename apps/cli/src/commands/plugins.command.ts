import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { PLUGIN_KINDS, type PluginKind } from '@aisle/sdk';
import { CliError } from '../cli-error.js';
import { checkPluginPaths } from '../plugin-check/plugin-check.js';
import { scaffoldPlugin } from '../scaffold/scaffold.js';

/**
 * `aisle plugins check [paths…]`: our hassfest, as strict as the hub and stricter; non-zero exit
 * on any problem. `aisle plugins new <domain>`: a plugin that builds and passes its checks at once.
 */
export function pluginsCommand(root: string): Command {
  const plugins = new Command('plugins').description('Create, inspect and validate plugins');
  plugins
    .command('check')
    .description(
      'Validate plugins as the hub loads them: manifest and SDK range, built entry and its kind, config class, import rule, README sections, tests, samples, quality tier',
    )
    .argument(
      '[paths...]',
      'plugin folders, or folders of plugin folders (default: plugins/ and AISLE_PLUGIN_DIRS)',
    )
    .action(async (paths: string[]) => {
      const { plugins: checked, problems } = await checkPluginPaths(paths, { rootDir: root });
      for (const plugin of checked) {
        const mine = problems.filter((p) => p.plugin === plugin.domain);
        process.stdout.write(
          `${mine.length === 0 ? 'ok  ' : 'FAIL'} ${plugin.domain} [${plugin.quality}] (${plugin.dir})\n`,
        );
      }
      if (problems.length > 0) {
        throw new CliError(
          `${problems.length} problem(s):\n${problems
            .map((p) => `${p.file}: ${p.plugin === '-' ? '' : `${p.plugin}: `}${p.problem}`)
            .join('\n')}`,
        );
      }
      process.stdout.write(`${checked.length} plugin(s) checked, no problems\n`);
    });
  plugins
    .command('new')
    .description('Write a new plugin that builds, passes `plugins check` and its own tests')
    .argument('<domain>', 'plugin domain: lower-case words joined by dashes (also its folder name)')
    .addOption(
      new Option('--kind <kind>', 'plugin kind').choices([...PLUGIN_KINDS]).default('driver'),
    )
    .option('--dir <path>', 'folder to create the plugin folder in', '.')
    .option('--sdk <range>', 'the @aisle/sdk range for package.json (default: ^<this SDK>)')
    .action(async (domain: string, options: { kind: PluginKind; dir: string; sdk?: string }) => {
      const result = await scaffoldPlugin({
        domain,
        kind: options.kind,
        parent: resolve(options.dir),
        ...(options.sdk ? { sdkRange: options.sdk } : {}),
      });
      if (typeof result === 'string') throw new CliError(result);
      process.stdout.write(
        `created ${result.dir} (${result.files.length} files)\n` +
          `next: cd ${result.dir} && npm install && npm run build && npm test && aisle plugins check .\n`,
      );
    });
  return plugins;
}
