/**
 * `npm run bench:report`: renders bench/results/latest.json (written by `npm run bench`) into
 * BENCHMARKS.md, between its `figures` markers, and draws the growth chart as an SVG file.
 * The prose around the markers (method, analysis) is written by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchRow, ROOT, fmt } from './harness';
import type { BenchResults } from './run-all';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function markdownTable(rows: BenchRow[]): string {
  const lines = [
    '| scenario | measure | govflow (median) | baseline (median) | ratio | target | met | runs |',
    '|---|---|---:|---:|---:|---|---|---|',
    ...rows.map((r) =>
      [
        r.scenario,
        `${r.measure.trim()} (${r.unit})`,
        fmt(r.value),
        r.baseline ? `${fmt(r.baseline.value)} ${r.baseline.name}` : '',
        r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
        r.target ?? '',
        r.met === undefined ? '' : r.met ? 'yes' : '**no**',
        r.runs.map(fmt).join(' / '),
      ]
        .map(cell)
        .join(' | '),
    ).map((l) => `| ${l} |`),
  ];
  return lines.join('\n');
}

/** A small line chart: x on a log scale (events stored), one line per series. */
export function lineChartSvg(spec: { title: string; xLabel: string; yLabel: string; series: { name: string; points: [number, number][] }[] }): string {
  const width = 640;
  const height = 360;
  const pad = { left: 70, right: 160, top: 40, bottom: 50 };
  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map(([x]) => Math.log10(x));
  const [xMin, xMax] = [Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs))];
  const yMax = Math.max(...all.map(([, y]) => y)) * 1.15 || 1;
  const px = (x: number) => pad.left + ((Math.log10(x) - xMin) / (xMax - xMin || 1)) * (width - pad.left - pad.right);
  const py = (y: number) => height - pad.bottom - (y / yMax) * (height - pad.top - pad.bottom);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2 - pad.right / 2}" y="22" text-anchor="middle" font-size="14">${spec.title}</text>`,
  ];
  for (let e = xMin; e <= xMax; e++) {
    const x = px(10 ** e);
    parts.push(`<line x1="${x}" y1="${pad.top}" x2="${x}" y2="${height - pad.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${height - pad.bottom + 16}" text-anchor="middle">${(10 ** e).toLocaleString('en-US')}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const y = (yMax / 4) * i;
    parts.push(`<line x1="${pad.left}" y1="${py(y)}" x2="${width - pad.right}" y2="${py(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  }
  parts.push(`<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">${spec.xLabel}</text>`);
  parts.push(`<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${spec.yLabel}</text>`);
  spec.series.forEach((s, i) => {
    const color = colors[i % colors.length];
    const sorted = [...s.points].sort((a, b) => a[0] - b[0]);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of sorted) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${color}"><title>${fmt(x)}: ${fmt(y)}</title></circle>`);
    parts.push(`<rect x="${width - pad.right + 12}" y="${pad.top + i * 20 - 9}" width="12" height="3" fill="${color}"/>`);
    parts.push(`<text x="${width - pad.right + 30}" y="${pad.top + i * 20 - 4}">${s.name}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The growth scenario's points: rows whose measure names the events already stored ("... @ 10,000 events"). */
export function growthSeries(rows: BenchRow[]): { name: string; points: [number, number][] }[] {
  const byUnit = new Map<string, [number, number][]>();
  for (const r of rows.filter((x) => x.scenario === 'growth')) {
    const m = /@\s*([\d,_]+)\s*events/.exec(r.measure);
    if (!m) continue;
    const key = `${r.measure.replace(/@.*$/, '').trim()} (${r.unit})`;
    byUnit.set(key, [...(byUnit.get(key) ?? []), [Number(m[1].replace(/[,_]/g, '')), r.value]]);
  }
  return [...byUnit].map(([name, points]) => ({ name, points }));
}

function main(): void {
  const file = process.argv[2] ?? join(ROOT, 'bench/results/latest.json');
  const results: BenchResults = JSON.parse(readFileSync(file, 'utf8'));
  const rows = results.scenarios.flatMap((s) => s.rows);
  const m = results.machine;
  const block = [
    `Measured ${results.date.slice(0, 10)} on ${m.cpus} × ${m.model}, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres ?? '?'}, Redis ${m.redis ?? '?'}` +
      (m.memoryReclaim ? `; ${m.memoryReclaim}` : '') +
      ` (\`npm run bench${results.args.length ? ` -- ${results.args.join(' ')}` : ''}\`; every figure is the median of the runs listed).`,
    '',
    markdownTable(rows),
    '',
    ...results.scenarios.flatMap((s) => s.notes.map((n) => `- ${s.name}: ${n}`)),
  ].join('\n');
  const series = growthSeries(rows);
  if (series.length > 0) {
    writeFileSync(
      join(ROOT, 'bench/results/growth.svg'),
      lineChartSvg({ title: 'Command path vs size of the store', xLabel: 'events already stored (log scale)', yLabel: series[0].name, series: series.slice(0, 1) }),
    );
  }
  const doc = join(ROOT, 'BENCHMARKS.md');
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- figures:start -->';
  const end = '<!-- figures:end -->';
  if (!text.includes(start) || !text.includes(end)) throw new Error(`BENCHMARKS.md has no ${start} ... ${end} block`);
  writeFileSync(doc, `${text.slice(0, text.indexOf(start) + start.length)}\n${block}\n${text.slice(text.indexOf(end))}`);
  console.log(`BENCHMARKS.md updated from ${file}${series.length ? '; chart: bench/results/growth.svg' : ''}`);
}

if (require.main === module) main();
