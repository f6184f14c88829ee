/**
 * Log redaction. Request bodies, headers and event payloads are never logged; what can still carry a secret
 * or personal data is an error message, because drivers and libraries quote values into them
 * (`Key (email)=(ann@example.com)`, a URL with a password). These helpers mask what can be recognised.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(bearer|basic)\s+[^\s,;'")]+/gi, '$1 [redacted]'],
  [/\btp_[A-Za-z0-9_-]+/g, '[redacted-key]'],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  [/(\w+:\/\/)[^\s/@:]*:[^\s/@]*@/g, '$1[redacted]@'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[redacted-email]'],
  // Phone numbers as people write them (+380 44 …, (044) 123…); bare digits, dates and addresses stay readable.
  [/\+\d[\d ()\-.]{6,}\d|\(\d{2,5}\)[\d \-.]{5,}\d/g, '[redacted-phone]'],
];

export function redact(text: string): string {
  return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** An error as a log field: its name, code (e.g. SQLSTATE), redacted message and stack frames. */
export function describeError(error: unknown): { name: string; code?: string; message: string; stack?: string[] } {
  if (!(error instanceof Error)) return { name: typeof error, message: redact(String(error)) };
  const code = (error as { code?: unknown }).code;
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line)).map((line) => line.trim()).slice(0, 15);
  return { name: error.name, ...(code !== undefined && { code: String(code) }), message: redact(error.message), ...(frames && { stack: frames }) };
}
