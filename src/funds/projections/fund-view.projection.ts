import type { Projection } from '../../commands/aggregate';
import { available, windowBalance, type FundState, type WindowBalance } from '../domain/fund.state';
import { FUND_WINDOWS, type FundWindow } from '../domain/fund.values';
import type { FundView, WindowView } from './fund-view';

/** `fund_views`: each fiscal year's fund as the API shows it, kept by every append to its stream. */
export const fundViewProjection: Projection<FundState, FundView> = {
  view: (fiscalYear, state, version) => toFundView(Number(fiscalYear), state, version),
  effect: (view) => ({ sql: 'SELECT fund_view_project($1)', arg: { fiscalYear: view.fiscalYear, version: view.version, viewJson: JSON.stringify(view) } }),
};

/** The statement behind the effect above (see AID_REQUEST_VIEW_PROJECT_FUNCTION for why a function). */
export const FUND_VIEW_PROJECT_FUNCTION = `CREATE OR REPLACE FUNCTION fund_view_project(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fund_views (fiscal_year, version, view)
  VALUES ((p->>'fiscalYear')::integer, (p->>'version')::integer, (p->>'viewJson')::json)
  ON CONFLICT (fiscal_year) DO UPDATE SET version = EXCLUDED.version, view = EXCLUDED.view, updated_at = now()
  WHERE fund_views.version < EXCLUDED.version;
END $$`;

function cents(amount: bigint): number {
  const value = Number(amount);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount ${amount} exceeds the JSON-safe range`);
  return value;
}

function windowView(balance: WindowBalance): WindowView {
  return { allocated: cents(balance.allocated), committed: cents(balance.committed), disbursed: cents(balance.disbursed), available: cents(available(balance)) };
}

function toFundView(fiscalYear: number, state: FundState, version: number): FundView {
  const windows = Object.fromEntries(FUND_WINDOWS.map((window) => [window, windowView(windowBalance(state, window))])) as Record<FundWindow, WindowView>;
  return { fiscalYear, version, windows };
}
