/**
 * What the system said of a file, in words: Node's fs errors carry a code
 * (ENOENT, EACCES, …), the call and the path, and a person wants the words.
 * One table for every command (main.ts for any command's file, monitor-state.ts
 * for the monitor's state file).
 */
export const FILE_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'exists already, and is never overwritten',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  EROFS: 'a read-only file system',
};

/** An fs error as "CODE: words" (the code kept for a search), or its message when it has no code. */
export function fileErrorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return (error as Error).message ?? String(error);
  const words = FILE_ERROR_WORDS[code];
  return words ? `${code}: ${words}` : code;
}
