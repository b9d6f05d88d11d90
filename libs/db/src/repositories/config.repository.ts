import { DataSource } from 'typeorm';
import {
  ConnectionEntity,
  FlowEntity,
  MappingEntity,
  SequenceEntity,
  TagAssignmentEntity,
  TagEntity,
} from '../entities';

/** Everything the pipeline needs to know about tenants' configuration, read at once. */
export interface ConfigRows {
  version: string;
  flows: FlowEntity[];
  mappings: MappingEntity[];
  connections: ConnectionEntity[];
  tags: TagEntity[];
  tagAssignments: TagAssignmentEntity[];
  sequences: SequenceEntity[];
}

export class ConfigRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Bumped by a trigger on every configuration write (see the initial migration). */
  async currentVersion(): Promise<string> {
    const rows: Array<{ version: string }> = await this.dataSource.query('SELECT version FROM config_version');
    return rows[0]?.version ?? '0';
  }

  async load(): Promise<ConfigRows> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => ({
      version:
        (await manager.query<Array<{ version: string }>>('SELECT version FROM config_version'))[0]?.version ?? '0',
      flows: await manager.find(FlowEntity),
      mappings: await manager.find(MappingEntity),
      connections: await manager.find(ConnectionEntity),
      tags: await manager.find(TagEntity),
      tagAssignments: await manager.find(TagAssignmentEntity),
      sequences: await manager.find(SequenceEntity),
    }));
  }
}
