export * from './types';
export * from './customer-360';
export * from './name-search';
export * from './customer-groups';
export * from './customer-merge';
export * from './history';
export * from './pipeline';
export * from './service';
export * from './analytics';
export * from './forecasting';
export * from './tasks';
export * from './competition';
export * from './sales-org';
export * from './quotes';
export * from './imports';

import { customersProjection } from './customer-360';
import { historyProjection } from './history';
import { pipelineProjection } from './pipeline';
import { serviceProjection } from './service';
import { tasksProjection } from './tasks';
import { competitionProjection } from './competition';
import { salesOrgProjection } from './sales-org';
import { quotesProjection } from './quotes';
import { importsProjection } from './imports';

/** Every projection the projector runs, in the order it applies them. */
export const ALL_PROJECTIONS = [customersProjection, historyProjection, pipelineProjection, serviceProjection, tasksProjection, competitionProjection, salesOrgProjection, quotesProjection, importsProjection];
export * from './purchases';
