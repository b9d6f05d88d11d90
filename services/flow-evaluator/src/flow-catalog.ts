import { Inject, Injectable } from '@nestjs/common';
import { buildFlowIndex, FlowIndex } from '@flowline/matching';
import { ConfigCatalog, Infrastructure } from '@flowline/runtime';

/**
 * The flows in force with their tenants' tag assignments, indexed by tenant and event type. Rebuilt
 * (flows parsed, assignments indexed) once per configuration snapshot, never per event.
 */
@Injectable()
export class FlowCatalog extends ConfigCatalog<FlowIndex> {
  constructor(@Inject(Infrastructure) infrastructure: Infrastructure) {
    super(infrastructure, 'flow-catalog', new FlowIndex([]), buildFlowIndex);
  }

  index(): FlowIndex {
    return this.current();
  }
}
