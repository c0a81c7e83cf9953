/**
 * One run's output folder. All writes go through here so that every file in it is either
 * written atomically or is the append-only log, which is what makes --resume safe after a kill.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { TEMP_FILE_PATTERN, fsyncFile, syncDir, writeFileAtomic, writeJsonAtomic, type AtomicWriteOptions } from './atomic.js';
import { fsFail, isErrno } from './fs-error.js';
import { checkFormat } from './format.js';
import { readJsonFile, stringifyFinite } from './json.js';
import { appendJsonLine, readJsonLines } from './jsonl.js';
import { lockFolder } from './lock.js';
import { POINT_FILE, SETTINGS_FILE, isUnstartedRun } from './run.js';
import { readSafetensors, writeSafetensors, type SafetensorsContent, type Tensors } from './safetensors.js';

/** A point in progress as the path code hands it over: JSON-able numbers (non-finite ones too) and vectors. */
export interface SavedPoint {
  json: Record<string, unknown>;
  tensors: Record<string, Float32Array | Int32Array>;
}

export { checkFormat };

export { SETTINGS_FILE };

export interface CreateOptions {
  resume: boolean;
}

export class RunFolder {
  /** Files written with `durable: false` since the last sync(). */
  private readonly unsynced = new Set<string>();

  private constructor(
    readonly dir: string,
    /** True when an existing run was opened with resume. */
    readonly resumed: boolean,
    /** Releases the folder's lock (also released when the process exits). */
    readonly release: () => void,
  ) {}

  /**
   * Opens `dir` for a run and locks it (one writing process per folder). New run (resume
   * false): dir must be absent, empty, or hold only leftovers of a run stopped before it wrote
   * its settings; it is created with its parents. Resume: dir must hold a regpath run (a
   * settings.json); temp files left by a killed atomic write are removed.
   */
  static create(dir: string, { resume }: CreateOptions): RunFolder {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(dir);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) fsFail(err, 'open', dir);
    }
    if (!stat) {
      if (resume) fail('BAD_RUN', `cannot resume ${dir}: it does not exist`);
      mkdirp(dir);
      return new RunFolder(dir, false, lockFolder(dir));
    }
    if (!stat.isDirectory()) fail('BAD_RUN', `${dir} exists and is not a folder; choose another --out`);
    if (!resume) {
      if (!isUnstartedRun(dir)) {
        fail('BAD_RUN', `${dir} already exists and is not empty; pass --resume to finish that run or choose another --out`);
      }
      const release = lockFolder(dir);
      removeStaleTemps(dir);
      return new RunFolder(dir, false, release);
    }
    const settings = path.join(dir, SETTINGS_FILE);
    if (!fs.existsSync(settings) || !fs.statSync(settings).isFile()) {
      fail('BAD_RUN', `cannot resume ${dir}: it is not a regpath run (it has no ${SETTINGS_FILE})`);
    }
    const release = lockFolder(dir);
    removeStaleTemps(dir);
    return new RunFolder(dir, true, release);
  }

  /** Path of `name` inside the folder; names escaping the folder are a bug. */
  path(name: string): string {
    const rel = path.relative(path.resolve(this.dir), path.resolve(this.dir, name));
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      fail('INTERNAL', `'${name}' is not a file name inside the run folder`);
    }
    return path.join(this.dir, rel);
  }

  has(name: string): boolean {
    return fs.existsSync(this.path(name));
  }

  writeJson(name: string, value: unknown, options: AtomicWriteOptions = {}): void {
    writeJsonAtomic(this.prepare(name), value, options);
  }

  /**
   * Makes every file written with `durable: false` since the last call durable: each file is
   * fsynced, then the folders holding them. Called in that order, a weights file is on disk
   * before the log line that names it whenever both were written before the same sync().
   */
  sync(): void {
    if (!this.unsynced.size) return;
    const files = [...this.unsynced];
    this.unsynced.clear();
    // the log last: its lines name the weights files
    const order = [...files.filter((f) => !f.endsWith('.jsonl')), ...files.filter((f) => f.endsWith('.jsonl'))];
    for (const f of order) fsyncFile(f);
    for (const d of new Set(files.map((f) => path.dirname(f)))) syncDir(d);
  }

  /** Parsed content; with `format` (e.g. 'regpath.path/1') also checks the file's format field. */
  readJson(name: string, format?: string): unknown {
    const file = this.path(name);
    const value = readJsonFile(file);
    if (format !== undefined) checkFormat(value, format, file);
    return value;
  }

  writeText(name: string, text: string, options: AtomicWriteOptions = {}): void {
    writeFileAtomic(this.prepare(name), text, options);
  }

  /** Appends one record; `durable: false` leaves its fsync to the next sync(). */
  appendLog(name: string, record: unknown, options: AtomicWriteOptions = {}): void {
    const file = this.prepare(name);
    appendJsonLine(file, record, options);
    if (options.durable === false) this.unsynced.add(file);
  }

  /** Replaces the log by `records` (atomically and durably): a resume that drops a torn tail. */
  rewriteLog(name: string, records: unknown[]): void {
    writeFileAtomic(this.prepare(name), records.map((r) => stringifyFinite(r, undefined, name) + '\n').join(''));
  }

  readLog(name: string): unknown[] {
    return readJsonLines(this.path(name));
  }

  /** `durable: false` leaves the fsync to the next sync() (the rename is atomic either way). */
  writeTensors(relPath: string, tensors: Tensors, metadata?: Record<string, string>, options: AtomicWriteOptions = {}): void {
    const file = this.prepare(relPath);
    writeSafetensors(file, tensors, metadata, options);
    if (options.durable === false) this.unsynced.add(file);
  }

  readTensors(relPath: string): SafetensorsContent {
    return readSafetensors(this.path(relPath));
  }

  /**
   * Replaces the point in progress (POINT_FILE) atomically and durably: a safetensors file of the
   * vectors, with the rest as JSON in its metadata (non-finite numbers, e.g. a lowest objective
   * still at +∞, written as {"nonFinite": "Infinity"}, which plain JSON cannot hold).
   */
  writePoint(point: SavedPoint): void {
    const tensors: Tensors = {};
    for (const [name, a] of Object.entries(point.tensors)) {
      tensors[name] = a instanceof Int32Array ? { dtype: 'I32', shape: [a.length], data: a } : { dtype: 'F32', shape: [a.length], data: a };
    }
    writeSafetensors(this.prepare(POINT_FILE), tensors, { point: JSON.stringify(point.json, (_k, v: unknown) => encodeNumber(v)) });
  }

  /**
   * The point in progress, or null when there is none, or 'unreadable' when the file cannot be
   * read back (cut short or garbled; it is never half-written by a kill, but a machine crash can
   * leave it so): the caller restarts that point.
   */
  readPoint(): SavedPoint | 'unreadable' | null {
    if (!this.has(POINT_FILE)) return null;
    try {
      const { tensors, metadata } = readSafetensors(this.path(POINT_FILE));
      const json = JSON.parse(metadata.point ?? '', (_k, v: unknown) => decodeNumber(v)) as unknown;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'unreadable';
      const vectors: SavedPoint['tensors'] = {};
      for (const [name, t] of Object.entries(tensors)) {
        if ((t.dtype !== 'F32' && t.dtype !== 'I32') || t.shape.length !== 1) return 'unreadable';
        vectors[name] = t.data as Float32Array | Int32Array;
      }
      return { json: json as Record<string, unknown>, tensors: vectors };
    } catch {
      return 'unreadable';
    }
  }

  /** Removes the point in progress (once it is saved as a point); its removal need not be durable. */
  removePoint(): void {
    try {
      fs.rmSync(this.path(POINT_FILE), { force: true });
    } catch (err) {
      fsFail(err, 'remove', this.path(POINT_FILE));
    }
  }

  /** Folders prepare() has made (a path run writes into points/ once per point). */
  private readonly made = new Set<string>();

  /** Resolves `name` and creates its parent folders (e.g. points/). */
  private prepare(name: string): string {
    const file = this.path(name);
    const dir = path.dirname(file);
    if (!this.made.has(dir)) {
      mkdirp(dir);
      this.made.add(dir);
    }
    return file;
  }
}

/**
 * `<parent>/<YYYYMMDD-HHMMSS>` in local time, with `-2`, `-3`… if taken. The folder is created
 * (empty) before returning, which claims the name: two runs started in the same second cannot
 * both pick it. RunFolder.create accepts the empty folder.
 */
export function defaultRunDir(now: Date = new Date(), parent = 'runs'): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p2(now.getMonth() + 1)}${p2(now.getDate())}-` +
    `${p2(now.getHours())}${p2(now.getMinutes())}${p2(now.getSeconds())}`;
  mkdirp(parent);
  for (let n = 1; ; n++) {
    const dir = path.join(parent, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) fsFail(err, 'create folder', dir);
    }
  }
}

/**
 * --out of a command that fills its folder only once it has results (compare, widths, neurons
 * --reduce, l1-vs-l2) must be absent or an empty folder: checked before any work, without creating it.
 */
export function checkOutFree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) fail('BAD_RUN', `${dir} exists and is not a folder; choose another --out`);
  if (fs.readdirSync(dir).length > 0) fail('BAD_RUN', `${dir} already exists and is not empty; choose another --out`);
}

/** JSON has no ±∞ or NaN: a non-finite number becomes {"nonFinite": "Infinity"} (and back). */
function encodeNumber(v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { nonFinite: String(v) } : v;
}

function decodeNumber(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const keys = Object.keys(v);
  const tag = (v as { nonFinite?: unknown }).nonFinite;
  return keys.length === 1 && (tag === 'Infinity' || tag === '-Infinity' || tag === 'NaN') ? Number(tag) : v;
}

function mkdirp(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    fsFail(err, 'create folder', dir);
  }
}

function listDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    fsFail(err, 'read folder', dir);
  }
}

function removeStaleTemps(dir: string): void {
  for (const e of listDir(dir)) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) removeStaleTemps(p);
    else if (e.isFile() && TEMP_FILE_PATTERN.test(e.name)) fs.rmSync(p, { force: true });
  }
}
