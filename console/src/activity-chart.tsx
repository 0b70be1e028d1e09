import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ProviderActivity } from '../../clients/typescript/src';

const WIDTH = 360;
const HEIGHT = 140;
/** Counts are whole: the y axis steps by whole numbers only. */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];

const HALF_MINUTE_S = 30;
/** A minute's failures stand narrower in front of its sends, so that neither hides the other. */
const WIDE = 0.9;
const NARROW = 0.45;

const bars = (label: string, fill: string, width: number): uPlot.Series => ({
  label,
  fill,
  stroke: fill,
  paths: uPlot.paths.bars!({ size: [width] }),
  points: { show: false },
});

/** The stylesheet's colours, for the canvas, which cannot read CSS variables: the chart follows light and dark. */
const colour = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function options(): uPlot.Options {
  const axis = { stroke: colour('--muted'), grid: { stroke: colour('--line'), width: 1 }, ticks: { stroke: colour('--line'), width: 1 } };
  return {
    width: WIDTH,
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: {
      // Each minute's bar whole, the first's and the last's too.
      x: { time: true, range: (_chart, min, max) => [min - HALF_MINUTE_S, max + HALF_MINUTE_S] },
      y: { range: (_chart, _min, max) => [0, Math.max(1, max)] },
    },
    axes: [axis, { ...axis, incrs: WHOLE_STEPS, size: 40 }],
    series: [{}, bars('sent', colour('--ok'), WIDE), bars('failed', colour('--bad'), NARROW)],
  };
}

/** uPlot's columns: the minutes in epoch seconds, then the sent and the failed counts. */
const columns = ({ minutes }: ProviderActivity): uPlot.AlignedData => [
  minutes.map(({ at }) => Date.parse(at) / 1000),
  minutes.map(({ sent }) => sent),
  minutes.map(({ failed }) => failed),
];

const totalsOf = ({ minutes }: ProviderActivity) => ({
  sent: minutes.reduce((sum, { sent }) => sum + sent, 0),
  failed: minutes.reduce((sum, { failed }) => sum + failed, 0),
});

/**
 * One provider's sends and failures a minute over the last hour, drawn by uPlot on a canvas; what it
 * shows is also said in words, for those who cannot see it.
 */
export function ActivityChart({ activity }: { activity: ProviderActivity }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const { sent, failed } = totalsOf(activity);
  const summary = `${activity.name}: ${sent} sent, ${failed} failed in the last hour`;

  useEffect(() => {
    chart.current = new uPlot(options(), columns(activity), host.current!);
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => chart.current?.setData(columns(activity)), [activity]);

  return (
    <figure class="activity">
      <div ref={host} role="img" aria-label={`Sent and failed a minute over the last hour. ${summary}`} />
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
