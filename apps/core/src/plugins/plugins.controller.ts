import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import { PluginHost, type DriverInstanceState, type PluginState } from './plugin-host.js';

@ApiTags('plugins')
@Controller('api/plugins')
export class PluginsController {
  constructor(@Inject(PluginHost) private readonly host: PluginHost) {}

  @Get()
  @Roles('admin', 'integrator')
  @ApiOperation({ summary: 'Every discovered plugin with its state (loaded or failed, and why)' })
  list(): PluginState[] {
    return this.host.list();
  }

  @Get(':domain')
  @Roles('admin', 'integrator')
  @ApiOperation({ summary: 'One plugin and the state of each sensor it drives' })
  get(@Param('domain') domain: string): PluginState & { sensors: DriverInstanceState[] } {
    const plugin = this.host.get(domain);
    if (!plugin) throw new NotFoundException(`no plugin with domain ${JSON.stringify(domain)}`);
    return { ...plugin, sensors: this.host.driverStates().filter((s) => s.domain === domain) };
  }
}
