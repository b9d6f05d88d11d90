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
import { ConsoleSessions1765400000000 } from './1765400000000-console-sessions';
import { ConnectionHealth1765500000100 } from './1765500000100-connection-health';
import { RecoveryJobs1765500000200 } from './1765500000200-recovery-jobs';
import { Notifications1765500000300 } from './1765500000300-notifications';
import { SubjectErasure1766000000000 } from './1766000000000-subject-erasure';
import { DeliveryInsightsRollup1766050000000 } from './1766050000000-delivery-insights-rollup';
import { RetentionIndexes1766100000000 } from './1766100000000-retention-indexes';
import { AnalyticsViews1766600000100 } from './1766600000100-analytics-views';
import { DeliveriesByStatusIndex1766600000200 } from './1766600000200-deliveries-by-status-index';
import { ConnectionGates1766700000000 } from './1766700000000-connection-gates';
import { ConnectionGateProgress1766800000000 } from './1766800000000-connection-gate-progress';
import { ConnectionGateQuestions1766900000000 } from './1766900000000-connection-gate-questions';
import { ConnectionGateHolders1767000000000 } from './1767000000000-connection-gate-holders';
import { WaitingByTenantIndex1767100000000 } from './1767100000000-waiting-by-tenant-index';
import { RemovableConnectionGates1767200000000 } from './1767200000000-removable-connection-gates';
import { ConnectionGateTokensAhead1767300000000 } from './1767300000000-connection-gate-tokens-ahead';
import { DeliveriesById1767400000000 } from './1767400000000-deliveries-by-id';
import { ConnectionGateTellsApart1767500000000 } from './1767500000000-connection-gate-tells-apart';
import { ReleasableLanesWalk1767600000000 } from './1767600000000-releasable-lanes-walk';

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
  ConsoleSessions1765400000000,
  ConnectionHealth1765500000100,
  RecoveryJobs1765500000200,
  Notifications1765500000300,
  SubjectErasure1766000000000,
  DeliveryInsightsRollup1766050000000,
  RetentionIndexes1766100000000,
  AnalyticsViews1766600000100,
  DeliveriesByStatusIndex1766600000200,
  ConnectionGates1766700000000,
  ConnectionGateProgress1766800000000,
  ConnectionGateQuestions1766900000000,
  ConnectionGateHolders1767000000000,
  WaitingByTenantIndex1767100000000,
  RemovableConnectionGates1767200000000,
  ConnectionGateTokensAhead1767300000000,
  DeliveriesById1767400000000,
  ConnectionGateTellsApart1767500000000,
  ReleasableLanesWalk1767600000000,
];
export { ANALYTICS_SCHEMA, ANALYST_ROLE } from './1766600000100-analytics-views';
