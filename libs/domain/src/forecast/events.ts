/**
 * A forecast call for one period, by an owner or for a team (stream `forecast-<submissionId>`): what was committed,
 * by whom (the event's actor) and when. Amounts are minor units and cumulative, as forecast categories roll up:
 * `commit` includes `closed`, `bestCase` includes `commit`; `pipeline` is the open remainder the caller sees.
 */
export type ForecastSubmitted = {
  type: 'ForecastSubmitted';
  data: {
    submissionId: string;
    scope: 'owner' | 'team';
    /** the owner (actor name) or the team */
    name: string;
    /** YYYY-MM or YYYY-Qn */
    period: string;
    currency: string;
    amounts: { closed?: number; commit: number; bestCase: number; pipeline?: number };
    comment?: string;
    occurredAt: string;
  };
};

export type ForecastEvent = ForecastSubmitted;
