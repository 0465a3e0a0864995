/**
 * The witness's memory: for each log origin, the size and root it last
 * cosigned (C2SP tlog-witness: "The witness MUST persist the new checkpoint
 * before responding"). One small JSON file per origin, named by the SHA-256
 * of the origin so any origin makes a safe file name.
 *
 * A write is atomic and durable before the answer leaves: the new content
 * goes to a temporary file that is fsync'd, renamed over the old one, and the
 * directory is fsync'd so the rename itself survives a crash (rename(2) is
 * atomic; without the directory fsync a power cut may undo it). After a
 * kill -9 the file holds either the old or the new state, never a mix.
 *
 * Check-then-persist must be atomic too (the spec's race of requests A and
 * B): `update` runs one origin's updates one after another. This holds
 * within one process, so one witness process owns a state directory.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { hashFromBase64, toBase64, toHex, utf8 } from '../crypto/base64.ts';
import { sha256 } from '../crypto/sha256.ts';
import type { WitnessedState } from '../domain/witness.ts';

interface StoredState {
  origin: string;
  size: number;
  root: string;
}

export class WitnessStateDir {
  readonly #dir: string;
  readonly #cache = new Map<string, WitnessedState | undefined>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.#dir = dir;
  }

  #file(origin: string): string {
    return join(this.#dir, `${toHex(sha256(utf8(origin)))}.json`);
  }

  /** The recorded state of `origin`, read from disk once and then kept in memory. */
  get(origin: string): WitnessedState | undefined {
    if (!this.#cache.has(origin)) {
      let state: WitnessedState | undefined;
      try {
        const stored = JSON.parse(readFileSync(this.#file(origin), 'utf8')) as StoredState;
        if (stored.origin !== origin || !Number.isSafeInteger(stored.size) || stored.size < 0) throw new Error(`state file of ${origin} is damaged`);
        state = { size: stored.size, root: hashFromBase64(stored.root) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      this.#cache.set(origin, state);
    }
    return this.#cache.get(origin);
  }

  /**
   * Runs `decide` for `origin` after every earlier update of it has finished;
   * when it returns a new state, that state is on disk before the promise
   * resolves.
   */
  async update<T>(origin: string, decide: (current: WitnessedState | undefined) => { result: T; next?: WitnessedState }): Promise<T> {
    const previous = this.#queues.get(origin) ?? Promise.resolve();
    const run = previous.then(() => {
      const { result, next } = decide(this.get(origin));
      if (next !== undefined) {
        this.#write(origin, next);
        this.#cache.set(origin, next);
      }
      return result;
    });
    this.#queues.set(
      origin,
      run.catch(() => undefined),
    );
    return run;
  }

  #write(origin: string, state: WitnessedState): void {
    const file = this.#file(origin);
    const temp = `${file}.tmp`;
    const body: StoredState = { origin, size: state.size, root: toBase64(state.root) };
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      writeSync(fd, `${JSON.stringify(body)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    const dirFd = openSync(this.#dir, constants.O_RDONLY);
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
