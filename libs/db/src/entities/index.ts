import { ConnectionEntity } from './connection.entity';
import { DeliveryAttemptEntity } from './delivery-attempt.entity';
import { DeliveryEntity } from './delivery.entity';
import { FlowEntity } from './flow.entity';
import { MappingEntity } from './mapping.entity';
import { ProcessedEventEntity } from './processed-event.entity';
import { SequenceEventEntity } from './sequence-event.entity';
import { SequenceEntity } from './sequence.entity';
import { TagAssignmentEntity } from './tag-assignment.entity';
import { TagEntity } from './tag.entity';
import { TenantEntity } from './tenant.entity';

export {
  ConnectionEntity,
  DeliveryAttemptEntity,
  DeliveryEntity,
  FlowEntity,
  MappingEntity,
  ProcessedEventEntity,
  SequenceEntity,
  SequenceEventEntity,
  TagAssignmentEntity,
  TagEntity,
  TenantEntity,
};

export const ENTITIES = [
  TenantEntity,
  ConnectionEntity,
  MappingEntity,
  FlowEntity,
  ProcessedEventEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  TagEntity,
  TagAssignmentEntity,
  SequenceEntity,
  SequenceEventEntity,
];
