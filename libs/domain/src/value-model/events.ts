/** What a lifetime-value fit recorded: the model's parameters, how well it fitted, and the data it saw. */
export type LifetimeValueFit = {
  fitId: string;
  currency: string;
  model: 'bg_nbd_gamma_gamma';
  /** BG/NBD (purchase counts, time unit `unitDays`) and Gamma-Gamma (spend per purchase, minor units) */
  params: { r: number; alpha: number; a: number; b: number; p: number; q: number; gamma: number };
  logLikelihood: { bgNbd: number; gammaGamma: number };
  iterations: { bgNbd: number; gammaGamma: number };
  converged: { bgNbd: boolean; gammaGamma: boolean };
  /** days per time unit of r/α and of the summaries (7: weeks, as in the literature) */
  unitDays: number;
  /** the data the fit saw: purchases with business time at or before `businessTime`, as projected up to `position` */
  cutoff: { businessTime: string; position: number };
  customers: number;
  /** customers with at least one repeat purchase day (the Gamma-Gamma fit's sample) */
  repeatCustomers: number;
  durationMs: number;
  /** `manual` (POST …/fits) or `scheduled` */
  trigger: 'manual' | 'scheduled';
  occurredAt: string;
};

/**
 * A lifetime-value model fitted to the log (system stream `ltv-models`): every figure a model-based lifetime value
 * shows can be traced to the fit that produced it, and reproduced from the fit's inputs.
 */
export type LifetimeValueModelFitted = {
  type: 'LifetimeValueModelFitted';
  data: LifetimeValueFit;
};

export type ValueModelEvent = LifetimeValueModelFitted;

export const VALUE_MODEL_STREAM = 'ltv-models';
