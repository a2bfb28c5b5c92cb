/**
 * What each file `purpose` accepts, as data: the formats, the largest size, how long the file lives,
 * whether it can be downloaded and linked. From Stripe's file upload guide
 * (docs.stripe.com/file-upload) and the SDK's param types; where Stripe documents nothing (the
 * Terminal purposes' sizes) Sandbank's own cap applies.
 *
 * Sandbank keeps files in its store, so it caps every file at `MAX_FILE_BYTES` (16 MiB): the purposes
 * Stripe allows more for (account_requirement and platform_terms_of_service, 64 MB;
 * identity_document, 32 MB) are held to that.
 */

export const MAX_FILE_BYTES = 16 * 1024 * 1024;

const KB = 1024;
const MB = 1024 * 1024;
const DAY = 86_400;

/** The formats Sandbank recognises, by the `type` a File reports. */
export type FileType =
  | 'apk'
  | 'csv'
  | 'docx'
  | 'gif'
  | 'jpg'
  | 'json'
  | 'md'
  | 'pdf'
  | 'pem'
  | 'png'
  | 'svg'
  | 'txt'
  | 'xlsx';

/** The MIME type of each format (Stripe's error lists formats this way). */
export const MIME_TYPES: Record<FileType, string> = {
  apk: 'application/vnd.android.package-archive',
  csv: 'text/csv',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  gif: 'image/gif',
  jpg: 'image/jpeg',
  json: 'application/json',
  md: 'text/markdown',
  pdf: 'application/pdf',
  pem: 'application/x-pem-file',
  png: 'image/png',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface PurposeRule {
  types: readonly FileType[];
  /** Largest file in bytes; `perType` overrides it for some formats. */
  maxBytes: number;
  perType?: Partial<Record<FileType, number>>;
  /** Seconds until the file expires (`expires_at`), or null if it never does. */
  lifetime: number | null;
  /** Whether its contents can be downloaded (then `url` is set). */
  downloadable: boolean;
  /** Whether a FileLink may point at it. */
  linkable: boolean;
}

/** Purposes a file can be uploaded with (`FileCreateParams.Purpose`). */
export const UPLOAD_PURPOSES = {
  account_requirement: rule(['pdf', 'jpg', 'png'], MAX_FILE_BYTES, null, false, false),
  additional_verification: rule(['pdf', 'jpg', 'png'], 16 * MB, null, false, false),
  business_icon: rule(['jpg', 'png', 'gif'], 512 * KB, null, true, true),
  business_logo: rule(['jpg', 'png', 'gif'], 512 * KB, null, true, true),
  customer_signature: rule(['jpg', 'png', 'svg'], 4 * MB, 7 * DAY, true, true),
  // "9 months": Stripe's example file expires 270 days after it was created.
  dispute_evidence: rule(['pdf', 'jpg', 'png'], 5 * MB, 270 * DAY, true, true),
  identity_document: rule(['pdf', 'jpg', 'png'], MAX_FILE_BYTES, null, false, false),
  issuing_regulatory_reporting: rule(['json'], 256 * KB, 730 * DAY, true, true),
  pci_document: rule(['pdf'], 16 * MB, null, true, true),
  platform_terms_of_service: rule(['pdf', 'txt', 'md'], MAX_FILE_BYTES, null, false, false),
  tax_document_user_upload: rule(['pdf', 'csv', 'jpg', 'png', 'xlsx', 'docx'], 16 * MB, null, true, true),
  terminal_android_apk: rule(['apk'], MAX_FILE_BYTES, null, true, true),
  // JPEG and PNG splash screens must be under 2 MB, GIFs under 4 MB (Terminal's splash screen guide).
  terminal_reader_splashscreen: {
    ...rule(['png', 'jpg', 'gif'], 4 * MB, null, true, true),
    perType: { jpg: 2 * MB, png: 2 * MB },
  },
  terminal_wifi_certificate: rule(['pem'], MAX_FILE_BYTES, null, false, false),
  terminal_wifi_private_key: rule(['pem'], MAX_FILE_BYTES, null, false, false),
} as const satisfies Record<string, PurposeRule>;

export type UploadPurpose = keyof typeof UPLOAD_PURPOSES;

/** Every purpose a file may have (`FileListParams.Purpose`): Stripe also creates files itself. */
export const FILE_PURPOSES = [
  ...(Object.keys(UPLOAD_PURPOSES) as UploadPurpose[]),
  'document_provider_identity_document',
  'finance_report_run',
  'financial_account_statement',
  'identity_document_downloadable',
  'selfie',
  'sigma_scheduled_query',
] as const;

export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** Purposes a FileLink may point at (`FileLinkCreateParams.file`), including Stripe-made files. */
export const LINKABLE_PURPOSES: readonly FilePurpose[] = [
  'business_icon',
  'business_logo',
  'customer_signature',
  'dispute_evidence',
  'finance_report_run',
  'financial_account_statement',
  'identity_document_downloadable',
  'issuing_regulatory_reporting',
  'pci_document',
  'selfie',
  'sigma_scheduled_query',
  'tax_document_user_upload',
  'terminal_android_apk',
  'terminal_reader_splashscreen',
];

function rule(
  types: readonly FileType[],
  maxBytes: number,
  lifetime: number | null,
  downloadable: boolean,
  linkable: boolean,
): PurposeRule {
  return { types, maxBytes, lifetime, downloadable, linkable };
}

export function purposeRule(purpose: string): PurposeRule | undefined {
  return Object.hasOwn(UPLOAD_PURPOSES, purpose) ? UPLOAD_PURPOSES[purpose as UploadPurpose] : undefined;
}

/** The largest file of `type` a purpose takes. */
export function maxBytesFor(rule: PurposeRule, type: FileType): number {
  return rule.perType?.[type] ?? rule.maxBytes;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP = Buffer.from('PK\u0003\u0004', 'latin1');

const EXTENSIONS: Record<string, FileType> = {
  apk: 'apk',
  csv: 'csv',
  docx: 'docx',
  gif: 'gif',
  jpeg: 'jpg',
  jpg: 'jpg',
  json: 'json',
  markdown: 'md',
  md: 'md',
  pdf: 'pdf',
  pem: 'pem',
  png: 'png',
  svg: 'svg',
  txt: 'txt',
  xlsx: 'xlsx',
};

const BY_MIME = new Map<string, FileType>(
  Object.entries(MIME_TYPES).map(([type, mime]) => [mime, type as FileType] as [string, FileType]),
);
BY_MIME.set('image/jpg', 'jpg');
BY_MIME.set('application/zip', 'xlsx');

function extensionOf(filename: string): FileType | undefined {
  const dot = filename.lastIndexOf('.');
  return dot === -1 ? undefined : EXTENSIONS[filename.slice(dot + 1).toLowerCase()];
}

/**
 * The file's format. Binary formats are recognised by their first bytes, whatever name or MIME type
 * they were sent with (as Stripe does: the MIME type must match the contents). Formats with no
 * signature — text (CSV, JSON, Markdown, plain text, PEM, SVG) and ZIP containers (XLSX, DOCX, APK) —
 * are told apart by the file name's extension, then the part's Content-Type, checked against the
 * contents where a check exists. Unrecognised contents have no type.
 */
export function detectType(data: Buffer, filename: string, contentType: string | null): FileType | null {
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (data.subarray(0, 8).equals(PNG)) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpg';
  const head = data.subarray(0, 6).toString('latin1');
  if (head === 'GIF87a' || head === 'GIF89a') return 'gif';
  const mime = contentType?.split(';')[0]?.trim().toLowerCase();
  const claimed = extensionOf(filename) ?? (mime ? BY_MIME.get(mime) : undefined);
  if (data.subarray(0, 4).equals(ZIP)) {
    return claimed === 'xlsx' || claimed === 'docx' || claimed === 'apk' ? claimed : null;
  }
  const text = data.toString('utf8');
  // Text formats must be text: no NUL bytes, no invalid UTF-8 (which decodes to U+FFFD).
  if (text.includes('\u0000') || text.includes('\ufffd')) return null;
  const start = text.trimStart().slice(0, 1024);
  if (/<svg[\s>]/i.test(start) && (claimed === 'svg' || claimed === undefined || claimed === 'txt')) return 'svg';
  if (start.startsWith('-----BEGIN ')) return 'pem';
  if (claimed === 'json') return isJson(text) ? 'json' : null;
  if (claimed === 'csv' || claimed === 'md' || claimed === 'txt') return claimed;
  if (claimed === undefined && isJson(text)) return 'json';
  return null;
}

function isJson(text: string): boolean {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
