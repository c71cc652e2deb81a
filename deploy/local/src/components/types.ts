import type { ManagedProcess } from '../process';

/** What every component's start() gets. */
export interface StartContext {
  /** Interface every component binds to. */
  host: string;
  /** Directory of the log files (`<dataDir>/logs`). */
  logDir: string;
  /** Directory of the pid files (`<dataDir>/run`). */
  runDir: string;
  /** Aborts a start in progress (Ctrl-C during startup). */
  signal?: AbortSignal;
}

/** A started component: its process, its log, how to stop it. */
export interface Running {
  name: string;
  logFile: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}
