/** Parameters of a customer's cash balance endpoints and the funding test helper, as the SDK declares them. */
import { expandParam, listParams } from '../../platform/list.js';
import { p, params } from '../../platform/params.js';

export const retrieveCashBalanceParams = params({ expand: expandParam });

export const updateCashBalanceParams = params({
  expand: expandParam,
  settings: p.hash({ reconciliation_mode: p.enum(['automatic', 'manual', 'merchant_default']) }),
});

export const listCashBalanceTransactionsParams = params({ ...listParams });
export const retrieveCashBalanceTransactionParams = params({ expand: expandParam });

export const fundCashBalanceParams = params({
  amount: p.integer({ required: true, min: 1 }),
  currency: p.string({ required: true }),
  expand: expandParam,
  reference: p.string(),
});

export const createFundingInstructionsParams = params({
  bank_transfer: p.hash(
    {
      eu_bank_transfer: p.hash({ country: p.string({ required: true }) }),
      requested_address_types: p.array(p.enum(['iban', 'sort_code', 'spei', 'zengin'])),
      type: p.enum(
        ['eu_bank_transfer', 'gb_bank_transfer', 'jp_bank_transfer', 'mx_bank_transfer', 'us_bank_transfer'],
        {
          required: true,
        },
      ),
    },
    { required: true },
  ),
  currency: p.string({ required: true }),
  funding_type: p.enum(['bank_transfer'], { required: true }),
  expand: expandParam,
});
