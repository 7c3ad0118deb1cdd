import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import type { Metric, TrackingStore } from '@flowline/core';

// MLflow's system metrics: CPU, memory, disk, network and NVIDIA GPUs sampled on an interval and
// logged to the run as `system/<name>` metrics (MLflow's names), each logged value the mean of the
// samples since the last one, rounded to one decimal, at steps 0, 1, 2, …

/** How a run's system metrics are sampled and logged (MLflow's defaults: every 10 s, each sample logged). */
export interface SystemMetricsOptions {
  /** Seconds between samples (`MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL`, default 10). */
  samplingInterval?: number;
  /** Samples averaged into one logged value (`MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING`, default 1). */
  samplesBeforeLogging?: number;
  /** Logged as `system/<nodeId>/<name>` (`MLFLOW_SYSTEM_METRICS_NODE_ID`), for runs spanning machines. */
  nodeId?: string;
  /** The `nvidia-smi` to run for GPU metrics (default: the one on PATH; none there means no GPU metrics). */
  nvidiaSmi?: string;
  /** The disk whose usage is reported (default `/`). */
  diskPath?: string;
}

let enabled: boolean | undefined;

/** Logs system metrics for every run started from now on (as `mlflow.enable_system_metrics_logging()`). */
export function enableSystemMetricsLogging(): void {
  enabled = true;
}

/** Stops logging system metrics for runs started from now on (`mlflow.disable_system_metrics_logging()`). */
export function disableSystemMetricsLogging(): void {
  enabled = false;
}

const truthy = (value: string | undefined) =>
  ['true', '1', 'yes', 'on'].includes(value?.trim().toLowerCase() ?? '');

/** Whether a run logs system metrics: its own choice, else the global switch, else `MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING`. */
export function systemMetricsWanted(choice: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return choice ?? enabled ?? truthy(env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING);
}

/** The options `MLFLOW_SYSTEM_METRICS_*` variables give, under explicit ones. */
export function systemMetricsOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  options: SystemMetricsOptions = {},
): SystemMetricsOptions {
  const number = (name: string) => {
    const text = env[name]?.trim();
    if (!text) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number; got '${text}'.`);
    return value;
  };
  const interval = number('MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL');
  const samples = number('MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING');
  const nodeId = env.MLFLOW_SYSTEM_METRICS_NODE_ID?.trim();
  return {
    ...(interval ? { samplingInterval: interval } : {}),
    ...(samples ? { samplesBeforeLogging: Math.round(samples) } : {}),
    ...(nodeId ? { nodeId } : {}),
    ...options,
  };
}

type Sample = Record<string, number>;

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Received and sent bytes over all interfaces (Linux's /proc/net/dev); undefined elsewhere. */
async function networkBytes(): Promise<{ rx: number; tx: number } | undefined> {
  const text = await readFile('/proc/net/dev', 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [, counters] = line.split(':');
    if (!counters) continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}

/** One line per GPU from `nvidia-smi`, or undefined when there is none to run. */
function nvidiaSmi(command: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      command,
      [
        '--query-gpu=index,utilization.gpu,memory.used,memory.total,power.draw,power.limit',
        '--format=csv,noheader,nounits',
      ],
      { timeout: 5000 },
      (error, stdout) => resolve(error ? undefined : stdout),
    );
  });
}

/** `nvidia-smi`'s CSV as MLflow's GPU metrics (memory in MB, as MLflow reports bytes / 1e6). */
export function gpuMetrics(csv: string): Sample {
  const sample: Sample = {};
  for (const line of csv.split('\n')) {
    const [index, util, used, total, draw, limit] = line.split(',').map((f) => Number.parseFloat(f.trim()));
    if (index === undefined || Number.isNaN(index)) continue;
    const mib = 1.048576;
    if (Number.isFinite(used) && Number.isFinite(total) && total! > 0) {
      sample[`gpu_${index}_memory_usage_megabytes`] = used! * mib;
      sample[`gpu_${index}_memory_usage_percentage`] = (used! / total!) * 100;
    }
    if (Number.isFinite(util)) sample[`gpu_${index}_utilization_percentage`] = util!;
    if (Number.isFinite(draw)) sample[`gpu_${index}_power_usage_watts`] = draw!;
    if (Number.isFinite(draw) && Number.isFinite(limit) && limit! > 0)
      sample[`gpu_${index}_power_usage_percentage`] = (draw! / limit!) * 100;
  }
  return sample;
}

/**
 * Samples this machine on an interval and logs the averages to a run as `system/*` metrics, until
 * `stop()` (which logs what has been sampled since the last log). Started by the tracker for runs that
 * log system metrics; usable on its own with any store.
 */
export class SystemMetricsMonitor {
  readonly #store: TrackingStore;
  readonly #runId: string;
  readonly #interval: number;
  readonly #perLog: number;
  readonly #prefix: string;
  readonly #smi: string;
  readonly #disk: string;
  #timer: NodeJS.Timeout | undefined;
  #samples: Sample[] = [];
  #step: number;
  #cpu = cpuTimes();
  #network: { rx: number; tx: number } | undefined;
  #gpu = true;
  #pending: Promise<void> = Promise.resolve();
  #failure: unknown;

  /** `firstStep`: where steps start (MLflow resumes after a run's last `system/` step). */
  constructor(store: TrackingStore, runId: string, options: SystemMetricsOptions = {}, firstStep = 0) {
    this.#store = store;
    this.#runId = runId;
    this.#interval = (options.samplingInterval ?? 10) * 1000;
    this.#perLog = Math.max(1, options.samplesBeforeLogging ?? 1);
    this.#prefix = options.nodeId ? `system/${options.nodeId}/` : 'system/';
    this.#smi = options.nvidiaSmi ?? 'nvidia-smi';
    this.#disk = options.diskPath ?? '/';
    this.#step = firstStep;
  }

  /** Takes a first baseline and samples every interval from now (the timer does not keep the process alive). */
  async start(): Promise<void> {
    this.#cpu = cpuTimes();
    this.#network = await networkBytes();
    this.#timer = setInterval(() => {
      this.#pending = this.#pending
        .then(() => this.#tick())
        .catch((error: unknown) => {
          this.#failure ??= error;
        });
    }, this.#interval);
    this.#timer.unref();
  }

  /** Metrics logged so far, as steps. */
  get steps(): number {
    return this.#step;
  }

  async #tick(): Promise<void> {
    this.#samples.push(await this.sample());
    if (this.#samples.length >= this.#perLog) await this.#log();
  }

  /** One reading of every metric this machine offers, under MLflow's names (without the `system/` prefix). */
  async sample(): Promise<Sample> {
    const sample: Sample = {};
    const cpu = cpuTimes();
    const total = cpu.total - this.#cpu.total;
    if (total > 0) sample.cpu_utilization_percentage = 100 * (1 - (cpu.idle - this.#cpu.idle) / total);
    this.#cpu = cpu;
    const used = totalmem() - freemem();
    sample.system_memory_usage_megabytes = used / 1e6;
    sample.system_memory_usage_percentage = (used / totalmem()) * 100;
    const disk = await statfs(this.#disk).catch(() => undefined);
    if (disk) {
      const size = disk.blocks * disk.bsize;
      const usedDisk = (disk.blocks - disk.bfree) * disk.bsize;
      const available = disk.bavail * disk.bsize;
      sample.disk_usage_megabytes = usedDisk / 1e6;
      sample.disk_available_megabytes = available / 1e6;
      if (size > 0) sample.disk_usage_percentage = (usedDisk / (usedDisk + available)) * 100;
    }
    const network = await networkBytes();
    if (network && this.#network) {
      sample.network_receive_megabytes = (network.rx - this.#network.rx) / 1e6;
      sample.network_transmit_megabytes = (network.tx - this.#network.tx) / 1e6;
    }
    if (this.#gpu) {
      const csv = await nvidiaSmi(this.#smi);
      if (csv === undefined) this.#gpu = false;
      else Object.assign(sample, gpuMetrics(csv));
    }
    return sample;
  }

  async #log(): Promise<void> {
    const samples = this.#samples;
    this.#samples = [];
    if (samples.length === 0) return;
    const timestamp = Date.now();
    const keys = new Set(samples.flatMap((s) => Object.keys(s)));
    const metrics: Metric[] = [...keys].map((key) => {
      const values = samples.map((s) => s[key]).filter((v): v is number => v !== undefined);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return { key: this.#prefix + key, value: Math.round(mean * 10) / 10, timestamp, step: this.#step };
    });
    this.#step++;
    await this.#store.logBatch(this.#runId, { metrics });
  }

  /** Stops sampling and logs the samples not yet logged; rejects with the first logging failure, if any. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pending;
    await this.#log();
    if (this.#failure) throw this.#failure;
  }
}
