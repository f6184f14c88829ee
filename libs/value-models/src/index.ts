export * from './rfm-summary';
export * from './bg-nbd';
export * from './gamma-gamma';
export * from './clv';
export * from './prng';
export { hyp2f1, logSumExp } from './special';
export * from './backtest';
