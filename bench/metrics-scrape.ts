/** One reading of a service's GET /metrics: the value of a series, summed over its label sets. */
export type MetricReading = (name: string) => number;

export async function scrapeMetrics(serviceUrl: string): Promise<MetricReading> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const lines = text.split('\n');
  return (name) =>
    lines
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
