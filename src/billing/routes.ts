/**
 * Billing's endpoints and scheduled work, gathered in one place so src/app.ts registers Billing with
 * two lines. Each area (catalog, invoices, subscriptions, test clocks, meters) lives in its own
 * folder under src/billing/ and adds its operations and job handlers here.
 */
import type { Operation } from '../platform/operation.js';
import type { JobHandler } from '../platform/scheduler.js';
import { catalogJobHandlers, catalogOperations } from './catalog.js';
import { creditNoteOperations } from './credit-notes/routes.js';
import { dunningOperations } from './dunning/routes.js';
import { invoiceItemOperations } from './invoice-items/routes.js';
import { invoicePaymentOperations } from './invoice-payments/routes.js';
import { invoiceJobHandlers, invoiceOperations } from './invoices/routes.js';
import { meterOperations } from './meters/routes.js';
import { subscriptionItemOperations } from './subscription-items/routes.js';
import { scheduleJobHandlers, subscriptionScheduleOperations } from './subscription-schedules/routes.js';
import { subscriptionJobHandlers, subscriptionOperations } from './subscriptions/routes.js';
import { testClockJobHandlers, testClockOperations } from './test-clocks/routes.js';
import { upcomingInvoiceOperations } from './upcoming/routes.js';

export const billingOperations: Operation[] = [
  ...catalogOperations,
  ...creditNoteOperations,
  ...testClockOperations,
  ...meterOperations,
  ...invoiceOperations,
  ...invoiceItemOperations,
  ...invoicePaymentOperations,
  ...dunningOperations,
  ...upcomingInvoiceOperations,
  ...subscriptionOperations,
  ...subscriptionItemOperations,
  ...subscriptionScheduleOperations,
];

export const billingJobHandlers: Record<string, JobHandler> = {
  ...catalogJobHandlers,
  ...testClockJobHandlers,
  ...invoiceJobHandlers,
  ...subscriptionJobHandlers,
  ...scheduleJobHandlers,
};
