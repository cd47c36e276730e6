/** One problem in a manifest, at its place in the file: what `validate` prints and `ManifestError` carries. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  readonly line: number;
  readonly column: number;
  /** Dotted path to the field, e.g. `matrix.prompt[1].text`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}
