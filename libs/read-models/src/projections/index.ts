export * from './types';
export * from './customer-360';
export * from './customer-groups';
export * from './customer-merge';
export * from './history';
export * from './pipeline';
export * from './service';
export * from './analytics';
export * from './forecasting';
export * from './tasks';

import { customersProjection } from './customer-360';
import { historyProjection } from './history';
import { pipelineProjection } from './pipeline';
import { serviceProjection } from './service';
import { tasksProjection } from './tasks';

/** Every projection the projector runs, in the order it applies them. */
export const ALL_PROJECTIONS = [customersProjection, historyProjection, pipelineProjection, serviceProjection, tasksProjection];
export * from './purchases';
