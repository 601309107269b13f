import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/** What a chart shows, in plain numbers: also published for tests and for copying. */
export type ChartData = {
  kind: 'line' | 'bar' | 'waterfall' | 'stacked';
  categories: string[];
  series: {
    name: string;
    values: (number | null)[];
    /** Drawn dashed: a comparison or a target. */
    dashed?: boolean;
    /** Waterfall: the invisible base under each bar. */
    base?: number[];
    color?: string;
  }[];
};

declare global {
  interface Window {
    /** Every chart on the page by id: the numbers it draws (read by the browser tests). */
    __harmonyChartData?: Record<string, ChartData>;
  }
}

const PALETTE = ['#2563eb', '#f97316', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04'];

/** An ECharts chart; `id` names it in `window.__harmonyChartData` and `data-chart`. */
export function Chart({
  id,
  data,
  height = 320,
}: {
  id: string;
  data: ChartData;
  height?: number;
}) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    chart.setOption(optionFor(data));
    window.__harmonyChartData = { ...window.__harmonyChartData, [id]: data };
    element.current.dataset.rendered = 'true';
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
      if (window.__harmonyChartData) delete window.__harmonyChartData[id];
    };
  }, [id, data]);
  return <div className="chart" data-chart={id} ref={element} style={{ height }} />;
}

function optionFor(data: ChartData): echarts.EChartsCoreOption {
  const series: any[] = [];
  data.series.forEach((s, index) => {
    const color = s.color ?? PALETTE[index % PALETTE.length];
    if (data.kind === 'waterfall' && s.base) {
      series.push({
        name: `${s.name} base`,
        type: 'bar',
        stack: 'waterfall',
        silent: true,
        itemStyle: { color: 'transparent' },
        data: s.base,
        tooltip: { show: false },
      });
    }
    const isBar = data.kind !== 'line' && !s.dashed;
    series.push({
      name: s.name,
      type: isBar ? 'bar' : 'line',
      stack:
        data.kind === 'waterfall'
          ? 'waterfall'
          : data.kind === 'stacked' && isBar
            ? 'total'
            : undefined,
      data: data.kind === 'waterfall' ? waterfallBars(s.values, color) : s.values,
      itemStyle: { color },
      lineStyle: { color, type: s.dashed ? 'dashed' : 'solid', width: 2 },
      symbol: s.dashed ? 'none' : 'circle',
      symbolSize: 5,
    });
  });
  return {
    animation: false,
    color: PALETTE,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: data.series.map((s) => s.name) },
    grid: { left: 70, right: 24, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: data.categories },
    yAxis: { type: 'value', min: data.kind === 'waterfall' ? waterfallFloor(data) : undefined },
    series,
  };
}

/** First and last bars are levels (the series colour); steps between are green up, red down. */
function waterfallBars(values: (number | null)[], levelColor: string) {
  return values.map((value, index) => {
    if (value === null) return null;
    const isLevel = index === 0 || index === values.length - 1;
    const color = isLevel ? levelColor : value >= 0 ? '#16a34a' : '#dc2626';
    return { value: Math.abs(value), itemStyle: { color } };
  });
}

/**
 * The y axis starts a little under the lowest level reached, so month-sized movements are
 * visible beside a total many times their size (the axis labels say where it starts).
 */
function waterfallFloor(data: ChartData): number {
  const levels = data.series.flatMap((s) => [
    ...(s.base ?? []).filter((b) => b > 0),
    s.values[0] ?? 0,
    s.values[s.values.length - 1] ?? 0,
  ]);
  const lowest = Math.min(...levels);
  const range = Math.max(...levels) - lowest;
  if (lowest <= 0) return 0;
  const floor = lowest - Math.max(range, lowest * 0.02);
  const step = 10 ** Math.floor(Math.log10(Math.max(range, lowest * 0.02, 1)));
  return Math.max(0, Math.floor(floor / step) * step);
}
