import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import {
  PluginHost,
  type DriverInstanceState,
  type ExporterState,
  type PluginState,
} from './plugin-host.js';

/** Plugins are hub-wide; their per-sensor states belong to stores, so scoped keys see only theirs. */
@ApiTags('plugins')
@Controller('api/plugins')
export class PluginsController {
  constructor(@Inject(PluginHost) private readonly host: PluginHost) {}

  @Get()
  @Roles('admin', 'integrator', 'store-manager')
  @ApiOperation({ summary: 'Every discovered plugin with its state (loaded or failed, and why)' })
  list(): PluginState[] {
    return this.host.list();
  }

  @Get(':domain')
  @Roles('admin', 'integrator', 'store-manager')
  @ApiOperation({
    summary:
      'One plugin and the state of each sensor it drives (in the stores the key may see), or of its exporter',
  })
  get(
    @Param('domain') domain: string,
    @CurrentPrincipal() principal: Principal,
  ): PluginState & { sensors: DriverInstanceState[]; exporter: ExporterState | null } {
    const plugin = this.host.get(domain);
    if (!plugin) throw new NotFoundException(`no plugin with domain ${JSON.stringify(domain)}`);
    const visible = (s: DriverInstanceState): boolean =>
      principal.role === 'admin' || principal.storeIds.includes(s.storeId);
    return {
      ...plugin,
      sensors: this.host.driverStates().filter((s) => s.domain === domain && visible(s)),
      exporter: this.host.exporterStates().find((e) => e.domain === domain) ?? null,
    };
  }
}
