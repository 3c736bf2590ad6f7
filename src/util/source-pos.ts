/** A place in a project file; `file` is relative to the project root, lines and columns 1-based. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}
