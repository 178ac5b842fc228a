// A live time chart (uPlot: made for streaming data, redraws thousands of points cheaply).
// The chart is created once per mount and fed new data on every render.

import { useEffect, useRef, useState, type CSSProperties } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatBytes } from '../../src-shared/units.js';

export interface Series {
  label: string;
  color: string;
  values: Array<number | null>;
}

interface Props {
  title: string;
  /** Seconds since the job started. */
  times: number[];
  series: Series[];
  /** Axis values are bytes (or bytes per second with the suffix). */
  unitSuffix?: string;
}

/** 'dark' or 'light', following the system as it changes (the chart redraws its axes). */
function useColorScheme(): 'dark' | 'light' {
  const query = '(prefers-color-scheme: dark)';
  const [dark, setDark] = useState(() => window.matchMedia?.(query).matches ?? false);
  useEffect(() => {
    const media = window.matchMedia?.(query);
    if (!media) return;
    const changed = () => setDark(media.matches);
    media.addEventListener('change', changed);
    return () => media.removeEventListener('change', changed);
  }, []);
  return dark ? 'dark' : 'light';
}

export function LiveChart({ title, times, series, unitSuffix = '' }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();
  const chart = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join('|');

  useEffect(() => {
    const element = box.current;
    // Without a 2D canvas (a DOM made for tests) there is nothing to draw on: the
    // caption and the figures elsewhere still say it all.
    if (!element || !document.createElement('canvas').getContext('2d')) return;
    const width = () => Math.max(240, element.clientWidth);
    // A canvas knows no CSS: take the page's text and line colours (light or dark) now.
    const style = getComputedStyle(element);
    const ink = style.color;
    const grid = { stroke: style.getPropertyValue('--line').trim() || '#ccc', width: 1 };
    const plot = new uPlot(
      {
        width: width(),
        height: 150,
        legend: { show: false },
        scales: { x: { time: false } },
        axes: [
          { label: 'seconds', size: 30, stroke: ink, grid },
          {
            size: 92,
            stroke: ink,
            grid,
            values: (_u, ticks) => ticks.map((v) => formatBytes(v) + unitSuffix),
          },
        ],
        series: [
          { label: 's' },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            value: (_u: uPlot, v: number | null) =>
              v === null ? '—' : formatBytes(v) + unitSuffix,
          })),
        ],
      },
      [[], ...series.map(() => [])],
      element,
    );
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 150 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // A new chart only when the series themselves change, not their values.
  }, [labels, unitSuffix, scheme]);

  useEffect(() => {
    chart.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  });

  return (
    <figure className="chart">
      <figcaption>
        {title}
        {series.map((s) => (
          // CSSOM, not a style attribute: allowed by the page's Content-Security-Policy.
          <span key={s.label} className="key" style={{ '--key': s.color } as CSSProperties}>
            {s.label}
          </span>
        ))}
      </figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
