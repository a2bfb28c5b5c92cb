/**
 * Every tax ID type the current SDK lets a merchant create, with the country it belongs to and the
 * format Stripe checks before it accepts a value. The patterns follow the examples in Stripe's
 * "Supported tax ID types" table (docs: invoicing/customer/tax-ids): each accepts that example and
 * the documented variants (separators optional), and refuses what is plainly something else. Types
 * the table shows no example for follow the number's published length.
 */

export interface TaxIdFormat {
  /** ISO country of the tax ID; `eu_vat` takes it from the value's prefix instead. */
  country: string;
  pattern: RegExp;
}

/** The EU VAT prefixes and their countries: Greece writes `EL`, Northern Ireland `XI`. */
const EU_VAT: Record<string, { country: string; pattern: RegExp }> = {
  AT: { country: 'AT', pattern: /^ATU\d{8}$/ },
  BE: { country: 'BE', pattern: /^BE[01]\d{9}$/ },
  BG: { country: 'BG', pattern: /^BG\d{9,10}$/ },
  CY: { country: 'CY', pattern: /^CY\d{8}[A-Z]$/ },
  CZ: { country: 'CZ', pattern: /^CZ\d{8,10}$/ },
  DE: { country: 'DE', pattern: /^DE\d{9}$/ },
  DK: { country: 'DK', pattern: /^DK\d{8}$/ },
  EE: { country: 'EE', pattern: /^EE\d{9}$/ },
  EL: { country: 'GR', pattern: /^EL\d{9}$/ },
  ES: { country: 'ES', pattern: /^ES[A-Z0-9]\d{7}[A-Z0-9]$/ },
  FI: { country: 'FI', pattern: /^FI\d{8}$/ },
  FR: { country: 'FR', pattern: /^FR[A-Z0-9]{2}\d{9}$/ },
  HR: { country: 'HR', pattern: /^HR\d{11}$/ },
  HU: { country: 'HU', pattern: /^HU\d{8}$/ },
  IE: { country: 'IE', pattern: /^IE\d[A-Z0-9+*]\d{5}[A-Z]{1,2}$/ },
  IT: { country: 'IT', pattern: /^IT\d{11}$/ },
  LT: { country: 'LT', pattern: /^LT(\d{9}|\d{12})$/ },
  LU: { country: 'LU', pattern: /^LU\d{8}$/ },
  LV: { country: 'LV', pattern: /^LV\d{11}$/ },
  MT: { country: 'MT', pattern: /^MT\d{8}$/ },
  NL: { country: 'NL', pattern: /^NL\d{9}B\d{2}$/ },
  PL: { country: 'PL', pattern: /^PL\d{10}$/ },
  PT: { country: 'PT', pattern: /^PT\d{9}$/ },
  RO: { country: 'RO', pattern: /^RO\d{2,10}$/ },
  SE: { country: 'SE', pattern: /^SE\d{12}$/ },
  SI: { country: 'SI', pattern: /^SI\d{8}$/ },
  SK: { country: 'SK', pattern: /^SK\d{10}$/ },
  XI: { country: 'GB', pattern: /^XI(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/ },
};

const d = (n: number | string) => new RegExp(`^\\d{${n}}$`);

// biome-ignore format: one type a line reads as the documentation's table
export const TAX_ID_FORMATS: Record<string, TaxIdFormat> = {
  ad_nrt: { country: 'AD', pattern: /^[A-Z]-?\d{6}-?[A-Z]$/ },
  ae_trn: { country: 'AE', pattern: d(15) },
  al_tin: { country: 'AL', pattern: /^[A-Z]\d{8}[A-Z]$/ },
  am_tin: { country: 'AM', pattern: d(8) },
  ao_tin: { country: 'AO', pattern: d(10) },
  ar_cuit: { country: 'AR', pattern: /^\d{2}-?\d{7,8}-?\d{1,2}$/ },
  au_abn: { country: 'AU', pattern: d(11) },
  au_acn: { country: 'AU', pattern: d(9) },
  au_arn: { country: 'AU', pattern: d(12) },
  au_wpn: { country: 'AU', pattern: d('8,9') },
  aw_tin: { country: 'AW', pattern: d(8) },
  az_tin: { country: 'AZ', pattern: d(10) },
  ba_tin: { country: 'BA', pattern: d(12) },
  bb_tin: { country: 'BB', pattern: d(13) },
  bd_bin: { country: 'BD', pattern: /^\d{9}-?\d{4}$/ },
  bf_ifu: { country: 'BF', pattern: /^\d{8}[A-Z]$/ },
  bg_uic: { country: 'BG', pattern: d('9,10') },
  bh_vat: { country: 'BH', pattern: d(15) },
  bj_ifu: { country: 'BJ', pattern: d(13) },
  bo_tin: { country: 'BO', pattern: d('7,12') },
  br_cnpj: { country: 'BR', pattern: /^\d{2}\.?\d{3}\.?\d{3}\/?\d{4}-?\d{2}$/ },
  br_cpf: { country: 'BR', pattern: /^\d{3}\.?\d{3}\.?\d{3}-?\d{2}$/ },
  bs_tin: { country: 'BS', pattern: /^\d{3}\.?\d{3}\.?\d{3}$/ },
  // Botswana's VAT number: the docs' table shows no example yet; a letter and 9–12 digits (BURS).
  bw_vat: { country: 'BW', pattern: /^[A-Z]?\d{9,12}$/ },
  by_tin: { country: 'BY', pattern: d(9) },
  ca_bn: { country: 'CA', pattern: d(9) },
  ca_gst_hst: { country: 'CA', pattern: /^\d{9}RT\d{4}$/ },
  ca_pst_bc: { country: 'CA', pattern: /^PST-?\d{4}-?\d{4}$/ },
  ca_pst_mb: { country: 'CA', pattern: /^\d{6}-?\d$/ },
  ca_pst_sk: { country: 'CA', pattern: d(7) },
  ca_qst: { country: 'CA', pattern: /^\d{10}TQ\d{4}$/ },
  cd_nif: { country: 'CD', pattern: /^[A-Z]\d{7}[A-Z]$/ },
  ch_uid: { country: 'CH', pattern: /^CHE-?\d{3}\.?\d{3}\.?\d{3} ?HR$/ },
  ch_vat: { country: 'CH', pattern: /^CHE-?\d{3}\.?\d{3}\.?\d{3} ?(MWST|TVA|IVA)$/ },
  ci_vat: { country: 'CI', pattern: /^\d{7}[A-Z]$/ },
  cl_tin: { country: 'CL', pattern: /^\d{1,2}\.?\d{3}\.?\d{3}-?[\dK]$/ },
  cm_niu: { country: 'CM', pattern: /^[A-Z]\d{12}[A-Z]$/ },
  cn_tin: { country: 'CN', pattern: /^[0-9A-Z]{15,20}$/ },
  co_nit: { country: 'CO', pattern: /^\d{3}\.?\d{3}\.?\d{3}-?\d$/ },
  cr_tin: { country: 'CR', pattern: /^\d-?\d{3}-?\d{6}$/ },
  cv_nif: { country: 'CV', pattern: d(9) },
  cz_dic: { country: 'CZ', pattern: /^(CZ)?\d{8,10}$/ },
  de_stn: { country: 'DE', pattern: /^\d{10,11}$|^\d{2,3}\/\d{3,4}\/\d{4,5}$/ },
  do_rcn: { country: 'DO', pattern: /^\d{3}-?\d{7}-?\d$|^\d{9}$/ },
  ec_ruc: { country: 'EC', pattern: d(13) },
  eg_tin: { country: 'EG', pattern: d(9) },
  es_cif: { country: 'ES', pattern: /^[A-Z]\d{8}$|^[A-Z]\d{7}[A-Z]$|^\d{8}[A-Z]$/ },
  et_tin: { country: 'ET', pattern: d(10) },
  eu_oss_vat: { country: 'EU', pattern: /^EU\d{9}$/ },
  eu_vat: { country: 'EU', pattern: /^[A-Z]{2}[A-Z0-9+*]{2,13}$/ },
  fo_vat: { country: 'FO', pattern: d(6) },
  fr_siren: { country: 'FR', pattern: d(9) },
  fr_siret: { country: 'FR', pattern: d(14) },
  fr_spi: { country: 'FR', pattern: d(13) },
  gb_vat: { country: 'GB', pattern: /^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/ },
  ge_vat: { country: 'GE', pattern: d(9) },
  gh_tin: { country: 'GH', pattern: /^[A-Z]\d{10}$/ },
  gi_tin: { country: 'GI', pattern: d('5,8') },
  gn_nif: { country: 'GN', pattern: d(9) },
  hk_br: { country: 'HK', pattern: d(8) },
  hr_oib: { country: 'HR', pattern: d(11) },
  hu_tin: { country: 'HU', pattern: /^\d{8}-?\d-?\d{2}$/ },
  ic_nif: { country: 'ES', pattern: /^[A-Z0-9]\d{7}[A-Z0-9]$/ },
  id_npwp: { country: 'ID', pattern: /^\d{2,3}\.?\d{3}\.?\d{3}\.?\d-?\d{3}\.?\d{3}$|^\d{16}$/ },
  il_vat: { country: 'IL', pattern: d(9) },
  in_gst: { country: 'IN', pattern: /^\d{2}[A-Z]{5}\d{4}[A-Z][A-Z0-9]Z[A-Z0-9]$/ },
  is_kt: { country: 'IS', pattern: /^\d{6}-?\d{4}$/ },
  is_vat: { country: 'IS', pattern: /^\d{5,6}$/ },
  it_cf: { country: 'IT', pattern: /^[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]$|^\d{11}$/ },
  jp_cn: { country: 'JP', pattern: d(13) },
  jp_rn: { country: 'JP', pattern: d(5) },
  jp_trn: { country: 'JP', pattern: /^T\d{13}$/ },
  ke_pin: { country: 'KE', pattern: /^[A-Z]\d{9}[A-Z]$/ },
  kg_tin: { country: 'KG', pattern: d(14) },
  kh_tin: { country: 'KH', pattern: /^\d{4}-?\d{9}$|^[A-Z]\d{3}-?\d{9}$/ },
  kr_brn: { country: 'KR', pattern: /^\d{3}-?\d{2}-?\d{5}$/ },
  kz_bin: { country: 'KZ', pattern: d(12) },
  la_tin: { country: 'LA', pattern: /^\d{9}-?\d{3}$/ },
  li_uid: { country: 'LI', pattern: /^CHE\d{9}$/ },
  li_vat: { country: 'LI', pattern: d(5) },
  lk_vat: { country: 'LK', pattern: /^\d{9}-?\d{4}$/ },
  ma_vat: { country: 'MA', pattern: d(8) },
  md_cf: { country: 'MD', pattern: d(13) },
  md_vat: { country: 'MD', pattern: d(7) },
  me_pib: { country: 'ME', pattern: d(8) },
  mk_vat: { country: 'MK', pattern: /^MK\d{13}$/ },
  mr_nif: { country: 'MR', pattern: d(8) },
  mu_vat: { country: 'MU', pattern: d(8) },
  mx_rfc: { country: 'MX', pattern: /^[A-Z&Ñ]{3,4}\d{6}[A-Z0-9]{3}$/ },
  my_frp: { country: 'MY', pattern: d(8) },
  my_itn: { country: 'MY', pattern: /^[A-Z]{1,2} ?\d{10,11}$/ },
  my_sst: { country: 'MY', pattern: /^[A-Z]\d{2}-?\d{4}-?\d{8}$/ },
  mz_nuit: { country: 'MZ', pattern: d(9) },
  ng_tin: { country: 'NG', pattern: /^\d{8}-?\d{4}$/ },
  no_vat: { country: 'NO', pattern: /^\d{9}MVA$/ },
  no_voec: { country: 'NO', pattern: d(7) },
  np_pan: { country: 'NP', pattern: d(9) },
  nz_bn: { country: 'NZ', pattern: d(13) },
  nz_gst: { country: 'NZ', pattern: d('8,9') },
  om_vat: { country: 'OM', pattern: /^OM\d{10}$/ },
  pe_ruc: { country: 'PE', pattern: d(11) },
  ph_tin: { country: 'PH', pattern: d('9,12') },
  pl_nip: { country: 'PL', pattern: /^\d{10}$|^\d{3}-\d{3}-\d{2}-\d{2}$/ },
  pt_nif: { country: 'PT', pattern: d(9) },
  py_ruc: { country: 'PY', pattern: /^\d{5,8}-?\d$/ },
  ro_tin: { country: 'RO', pattern: d(13) },
  rs_pib: { country: 'RS', pattern: d(9) },
  ru_inn: { country: 'RU', pattern: /^\d{10}$|^\d{12}$/ },
  ru_kpp: { country: 'RU', pattern: d(9) },
  sa_vat: { country: 'SA', pattern: d(15) },
  sg_gst: { country: 'SG', pattern: /^[A-Z]\d{8}[A-Z]$|^\d{9}[A-Z]$|^[A-Z]{2}-?\d{7}-?[A-Z0-9]$/ },
  sg_uen: { country: 'SG', pattern: /^\d{8,9}[A-Z]$|^[A-Z]\d{2}[A-Z]{2}\d{4}[A-Z]$/ },
  si_tin: { country: 'SI', pattern: d(8) },
  sm_coe: { country: 'SM', pattern: d('3,5') },
  sn_ninea: { country: 'SN', pattern: /^\d{7,9}[A-Z0-9]{1,3}$/ },
  sr_fin: { country: 'SR', pattern: d(10) },
  sv_nit: { country: 'SV', pattern: /^\d{4}-?\d{6}-?\d{3}-?\d$/ },
  th_vat: { country: 'TH', pattern: d(13) },
  tj_tin: { country: 'TJ', pattern: d(9) },
  tr_tin: { country: 'TR', pattern: d(10) },
  tt_bir: { country: 'TT', pattern: d(9) },
  tt_vat: { country: 'TT', pattern: d('6,7') },
  tw_vat: { country: 'TW', pattern: d(8) },
  tz_vat: { country: 'TZ', pattern: /^\d{8}[A-Z]$/ },
  ua_vat: { country: 'UA', pattern: d('9,12') },
  ug_tin: { country: 'UG', pattern: d(10) },
  us_ein: { country: 'US', pattern: /^\d{2}-?\d{7}$/ },
  uy_ruc: { country: 'UY', pattern: d(12) },
  uz_tin: { country: 'UZ', pattern: d(9) },
  uz_vat: { country: 'UZ', pattern: d(12) },
  ve_rif: { country: 'VE', pattern: /^[A-Z]-?\d{8}-?\d$/ },
  vn_tin: { country: 'VN', pattern: /^\d{10}$|^\d{10}-?\d{3}$/ },
  za_vat: { country: 'ZA', pattern: /^4\d{9}$/ },
  zm_tin: { country: 'ZM', pattern: d(10) },
  zw_tin: { country: 'ZW', pattern: d(10) },
};

export const TAX_ID_TYPES = Object.keys(TAX_ID_FORMATS);

/**
 * The country of a well-formed `value` of `type`, or `undefined` when Stripe would refuse it as
 * "Invalid value for <type>.".
 */
export function taxIdCountry(type: string, value: string): string | undefined {
  const format = TAX_ID_FORMATS[type];
  if (!format) return undefined;
  if (type === 'eu_vat') {
    const prefix = EU_VAT[value.slice(0, 2)];
    return prefix?.pattern.test(value) ? prefix.country : undefined;
  }
  return format.pattern.test(value) ? format.country : undefined;
}

/** The types Stripe checks with a tax authority (VIES, HMRC, the ABR); the others stay `unavailable`. */
export const VERIFIED_TYPES: ReadonlySet<string> = new Set(['eu_vat', 'gb_vat', 'au_abn']);
