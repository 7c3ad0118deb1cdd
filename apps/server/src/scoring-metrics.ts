// Prometheus metrics of the scoring server, in the text exposition format 0.0.4, written by hand: a counter
// and a histogram are all it needs, and no Prometheus client is a dependency.

/** The content type of `GET /metrics`. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

const number = (value: number) => (value === Number.POSITIVE_INFINITY ? '+Inf' : String(value));

/** Latency buckets in seconds, from 5 ms to a minute. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Histogram {
  readonly #counts = LATENCY_BUCKETS.map(() => 0);
  #sum = 0;
  #count = 0;

  observe(value: number): void {
    for (const [i, bound] of LATENCY_BUCKETS.entries()) if (value <= bound) this.#counts[i]! += 1;
    this.#sum += value;
    this.#count += 1;
  }

  lines(name: string): string[] {
    return [
      ...LATENCY_BUCKETS.map((bound, i) => `${name}_bucket{le="${number(bound)}"} ${this.#counts[i]}`),
      `${name}_bucket{le="+Inf"} ${this.#count}`,
      `${name}_sum ${this.#sum}`,
      `${name}_count ${this.#count}`,
    ];
  }
}

/** What `/metrics` reports; the gauges are read when scraped. */
export class ScoringMetrics {
  readonly #requests = new Map<string, { labels: Labels; value: number }>();
  #tokens = 0;
  readonly #ttft = new Histogram();
  readonly #itl = new Histogram();

  constructor(
    private readonly gauges: {
      queueDepth(): number;
      running(): number;
      /** The served model's own counters and gauges (its engine's), exported as `flowline_model_<name>`. */
      model?(): { name: string; help: string; type: 'counter' | 'gauge'; value: number }[];
    },
  ) {}

  /** One answered (or abandoned) request. */
  request(method: string, route: string, status: number): void {
    const labels = { method, route, status: String(status) };
    const key = labelText(labels);
    const entry = this.#requests.get(key) ?? { labels, value: 0 };
    entry.value += 1;
    this.#requests.set(key, entry);
  }

  /** Tokens (or streamed pieces, one token each) a model generated. */
  tokens(count: number): void {
    this.#tokens += count;
  }

  /** Seconds from a request's arrival to its first generated piece. */
  timeToFirstToken(seconds: number): void {
    this.#ttft.observe(seconds);
  }

  /** Seconds between two generated pieces of one stream. */
  interTokenLatency(seconds: number): void {
    this.#itl.observe(seconds);
  }

  /** The exposition text. */
  render(): string {
    const lines = [
      '# HELP flowline_scoring_requests_total Requests answered, by method, route and status.',
      '# TYPE flowline_scoring_requests_total counter',
      ...[...this.#requests.values()].map(
        ({ labels, value }) => `flowline_scoring_requests_total${labelText(labels)} ${value}`,
      ),
      '# HELP flowline_scoring_queue_depth Generating requests waiting for a slot.',
      '# TYPE flowline_scoring_queue_depth gauge',
      `flowline_scoring_queue_depth ${this.gauges.queueDepth()}`,
      '# HELP flowline_scoring_running_requests Generating requests holding a slot.',
      '# TYPE flowline_scoring_running_requests gauge',
      `flowline_scoring_running_requests ${this.gauges.running()}`,
      '# HELP flowline_scoring_generated_tokens_total Tokens generated (a streamed piece counts as one).',
      '# TYPE flowline_scoring_generated_tokens_total counter',
      `flowline_scoring_generated_tokens_total ${this.#tokens}`,
      '# HELP flowline_scoring_time_to_first_token_seconds Time from arrival to the first generated piece.',
      '# TYPE flowline_scoring_time_to_first_token_seconds histogram',
      ...this.#ttft.lines('flowline_scoring_time_to_first_token_seconds'),
      '# HELP flowline_scoring_inter_token_latency_seconds Time between generated pieces of a stream.',
      '# TYPE flowline_scoring_inter_token_latency_seconds histogram',
      ...this.#itl.lines('flowline_scoring_inter_token_latency_seconds'),
      ...(this.gauges.model?.() ?? []).flatMap(({ name, help, type, value }) => [
        `# HELP flowline_model_${name} ${help}`,
        `# TYPE flowline_model_${name} ${type}`,
        `flowline_model_${name} ${value}`,
      ]),
    ];
    return `${lines.join('\n')}\n`;
  }
}
