export { buildEventListener, type EventListenerDeps } from './app.ts';
export { DeliveryLedger, type DeliveryRecord } from './delivery-ledger.ts';
export { deliveryIdentity } from './event-id.ts';
export { handleDelivery, type IntakeDeps, type Producers } from './intake.ts';
export { createListenerMetrics } from './listener-metrics.ts';
export { type RecoveryReport, recoverMissedDeliveries } from './recover-missed-deliveries.ts';
