import cluster from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';

const ASK = 'mailroute:metrics?';
const ANSWER = 'mailroute:metrics';
/** prom-client gives the processes 5 s to answer; the primary's answer comes within that and its own trip. */
const ANSWER_TIMEOUT_MS = 10_000;

interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  metrics?: string;
  error?: string;
}

/**
 * With MAIL_PROCESSES, a scrape reaches one of the processes, any of them: alone, its counters would
 * jump between processes from one scrape to the next. The process the scrape reaches asks the primary,
 * which gathers every process's registry with prom-client's AggregatorRegistry (counters and histograms
 * summed, each gauge as it declares) and answers with the host's metrics.
 * The primary's side: runProcessCluster calls this once.
 */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: Partial<Ask>) => {
    if (message?.type !== ASK) return;
    // A process that died while its metrics were gathered has no one to answer.
    const reply = (answer: Omit<Answer, 'type' | 'id'>) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, ...answer });
    aggregator.clusterMetrics().then(
      (metrics) => reply({ metrics }),
      (error: Error) => reply({ error: error.message }),
    );
  });
}

/** A serving process's side: answers the primary with `registry`, and asks it for everyone's. */
export class ClusterMetrics {
  private nextId = 0;
  private readonly waiting = new Map<number, (answer: Answer) => void>();

  constructor(registry: Registry) {
    AggregatorRegistry.setRegistries([registry]);
    // Constructing one is what makes prom-client answer the primary's requests in this process.
    new AggregatorRegistry();
    process.on('message', (message: Partial<Answer>) => {
      if (message?.type === ANSWER && message.id !== undefined) this.waiting.get(message.id)?.(message as Answer);
    });
  }

  /** Every process's metrics, aggregated by the primary. */
  fetch(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle({ type: ANSWER, id, error: `no answer from the primary within ${ANSWER_TIMEOUT_MS} ms` }), ANSWER_TIMEOUT_MS);
      const settle = (answer: Answer) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (answer.error !== undefined) reject(new Error(`cluster metrics: ${answer.error}`));
        else resolve(answer.metrics ?? '');
      };
      this.waiting.set(id, settle);
      process.send!({ type: ASK, id } satisfies Ask);
    });
  }
}

/** Whether this process serves under a MAIL_PROCESSES primary. */
export const servesInProcessCluster = (processes: number): boolean => processes > 1 && cluster.isWorker;
