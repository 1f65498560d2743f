/** Request counts and latencies, served at /metrics in Prometheus' text format. */

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  commits = 0;
  notModified = 0;

  observe(route: string, status: number, seconds: number): void {
    const k = `route="${route}",status="${status}"`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    let h = this.latency.get(route);
    if (h === undefined)
      this.latency.set(route, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /**
   * The metrics, with the process's memory and, over the open connections, the estimated
   * bytes of the recent commits' databases they keep (`commitCacheBytes`) and their
   * background flushes that failed (`flushes`: in all, and connections whose last failed).
   */
  text(commitCacheBytes = 0, flushes = { failures: 0, failing: 0 }): string {
    const mem = process.memoryUsage();
    const lines = [
      '# HELP process_resident_memory_bytes Resident memory of the server process.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${mem.rss}`,
      '# HELP nodejs_heap_used_bytes JavaScript heap in use.',
      '# TYPE nodejs_heap_used_bytes gauge',
      `nodejs_heap_used_bytes ${mem.heapUsed}`,
      '# HELP datahike_commit_cache_bytes Estimated memory of the kept databases of recent commits.',
      '# TYPE datahike_commit_cache_bytes gauge',
      `datahike_commit_cache_bytes ${commitCacheBytes}`,
      '# HELP datahike_flush_failures_total Background index flushes that failed (the commits stay in the log).',
      '# TYPE datahike_flush_failures_total counter',
      `datahike_flush_failures_total ${flushes.failures}`,
      '# HELP datahike_flush_failing Connections whose last background index flush failed.',
      '# TYPE datahike_flush_failing gauge',
      `datahike_flush_failing ${flushes.failing}`,
      '# HELP datahike_http_requests_total HTTP requests by route and status.',
      '# TYPE datahike_http_requests_total counter',
    ];
    for (const [k, n] of this.requests) lines.push(`datahike_http_requests_total{${k}} ${n}`);
    lines.push(
      '# HELP datahike_http_request_duration_seconds Request latency by route.',
      '# TYPE datahike_http_request_duration_seconds histogram',
    );
    for (const [route, h] of this.latency) {
      for (let i = 0; i < BUCKETS.length; i++)
        lines.push(
          `datahike_http_request_duration_seconds_bucket{route="${route}",le="${BUCKETS[i]}"} ${h.counts[i]}`,
        );
      lines.push(
        `datahike_http_request_duration_seconds_bucket{route="${route}",le="+Inf"} ${h.count}`,
        `datahike_http_request_duration_seconds_sum{route="${route}"} ${h.sum}`,
        `datahike_http_request_duration_seconds_count{route="${route}"} ${h.count}`,
      );
    }
    lines.push(
      '# HELP datahike_commits_total Transactions committed through this server.',
      '# TYPE datahike_commits_total counter',
      `datahike_commits_total ${this.commits}`,
      '# HELP datahike_http_not_modified_total GET answers served as 304 Not Modified.',
      '# TYPE datahike_http_not_modified_total counter',
      `datahike_http_not_modified_total ${this.notModified}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
