export { type AdminApiDeps, buildAdminApi } from './admin-app.ts';
export { type BodyLimits, buildEventListener, type EventListenerDeps } from './app.ts';
export { type BodyBudget, createBodyBudget } from './body-budget.ts';
export { DeliveryLedger, type DeliveryRecord } from './delivery-ledger.ts';
export { createDeliveryStore, type DeliveryStore, type Producers } from './delivery-store.ts';
export { deliveryIdentity } from './event-id.ts';
export { handleDelivery, type IntakeDeps } from './intake.ts';
export { createListenerMetrics } from './listener-metrics.ts';
export { type RecoveryReport, recoverMissedDeliveries } from './recover-missed-deliveries.ts';
