import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { Tags1763900000000 } from './1763900000000-tags';
import { ConnectionSigningSecret1764000000000 } from './1764000000000-connection-signing-secret';
import { Sequences1764100000000 } from './1764100000000-sequences';
import { Replays1764200000000 } from './1764200000000-replays';
import { DeliveryQueue1764300000000 } from './1764300000000-delivery-queue';
import { Insights1764400000000 } from './1764400000000-insights';
import { SequenceExpiryIndex1764500000000 } from './1764500000000-sequence-expiry-index';
import { TenantConfigVersions1764600000000 } from './1764600000000-tenant-config-versions';
import { ReplayLease1764650000000 } from './1764650000000-replay-lease';
import { ConnectionGates1766600000000 } from './1766600000000-connection-gates';

/** Every migration, oldest first. A schema change is a new file here, never `synchronize`. */
export const MIGRATIONS = [
  InitialSchema1763800000000,
  Tags1763900000000,
  ConnectionSigningSecret1764000000000,
  Sequences1764100000000,
  Replays1764200000000,
  DeliveryQueue1764300000000,
  Insights1764400000000,
  SequenceExpiryIndex1764500000000,
  TenantConfigVersions1764600000000,
  ReplayLease1764650000000,
  ConnectionGates1766600000000,
];
