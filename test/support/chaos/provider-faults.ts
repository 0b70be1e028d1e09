import type { AnswerChooser, ScriptedAnswer } from '../fake-http-answer';
import { SeededRandom } from './seeded-random';

/** What an answer says about whether the provider took the message (deliveries, the duplicate bound). */
export type AnswerKind = 'accepted' | 'refused' | 'lost answer';

/**
 * How a flaky provider answers, per send. Most sends are accepted after a little latency (so that a
 * killed worker has sends in flight); the rest fail in the ways real APIs fail. 'hang' holds the request
 * until the adapter's timeout and 'drop' cuts the connection: in both the provider has received the
 * message, and mailroute cannot know whether it was taken.
 */
const FLAKY: readonly (readonly [(random: SeededRandom) => ScriptedAnswer, number])[] = [
  [() => 'accept', 0.3],
  [(random) => ({ delayMs: random.int(2, 40) }), 0.58],
  [() => ({ status: 500 }), 0.04],
  [() => ({ status: 502 }), 0.01],
  [() => ({ status: 429 }), 0.015],
  [() => ({ status: 429, headers: { 'Retry-After': '1' } }), 0.005],
  [() => 'hang', 0.025],
  [() => 'drop', 0.025],
];

/** A provider that is down answers every send like this (its credential checks say so too). */
export const DOWN: ScriptedAnswer = { status: 503 };

/** Answers drawn from `random`: mostly accepted, with server errors, 429s, timeouts and dropped connections. */
export function flakyProvider(random: SeededRandom): AnswerChooser {
  return () => random.weighted(FLAKY)(random);
}

/**
 * Whether the provider may have taken the message: it answered success, or it received the message and
 * its answer never arrived (the real provider may well have queued it). An error status says it did not.
 */
export function kindOf(answer: ScriptedAnswer): AnswerKind {
  if (answer === 'hang' || answer === 'drop') return 'lost answer';
  if (typeof answer === 'object' && 'status' in answer) return 'refused';
  return 'accepted';
}
