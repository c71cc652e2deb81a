import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import type { StepResult } from './open-loop';

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626'];

/** Latency by offered rate per level (p99 solid, p50 dashed; log scales), as SVG rendered to PNG by resvg. */
export function latencyChart(file: string, series: Array<{ name: string; steps: StepResult[] }>): void {
  const W = 1100;
  const H = 520;
  const m = { l: 70, r: 420, t: 40, b: 60 };
  const rates = series.flatMap((s) => s.steps.map((x) => x.offered_per_s));
  const lats = series.flatMap((s) => s.steps.flatMap((x) => [x.p50_ms, x.p99_ms])).filter((v) => v > 0 && Number.isFinite(v));
  const [xMin, xMax] = [Math.min(...rates), Math.max(...rates)];
  const [yMin, yMax] = [Math.max(0.1, Math.min(...lats) / 1.5), Math.max(...lats) * 1.5];
  const x = (v: number) => m.l + ((Math.log(v) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin) || 1)) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - ((Math.log(v) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin) || 1)) * (H - m.t - m.b);
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${m.l}" y="24" font-size="16" font-family="sans-serif">Session start latency by offered rate (log–log): p99 solid, p50 dashed</text>`];
  for (const r of [...new Set(rates)]) parts.push(`<line x1="${x(r)}" x2="${x(r)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${x(r)}" y="${H - m.b + 18}" font-size="12" text-anchor="middle" font-family="sans-serif">${r}/s</text>`);
  for (let v = 10 ** Math.floor(Math.log10(yMin)); v <= yMax; v *= 10) if (v >= yMin) parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${m.l - 8}" y="${y(v) + 4}" font-size="12" text-anchor="end" font-family="sans-serif">${v} ms</text>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 15}" font-size="13" text-anchor="middle" font-family="sans-serif">offered starts per second</text>`);
  series.forEach((s, i) => {
    const ok = s.steps.filter((p) => p.ok > 0);
    const line = (k: 'p50_ms' | 'p99_ms') => ok.map((p) => `${x(p.offered_per_s)},${y(Math.max(p[k], yMin))}`).join(' ');
    parts.push(`<polyline points="${line('p99_ms')}" fill="none" stroke="${COLORS[i % 4]}" stroke-width="2.5"/>`);
    parts.push(`<polyline points="${line('p50_ms')}" fill="none" stroke="${COLORS[i % 4]}" stroke-width="1.5" stroke-dasharray="5 4"/>`);
    for (const p of ok) parts.push(`<circle cx="${x(p.offered_per_s)}" cy="${y(Math.max(p.p99_ms, yMin))}" r="3.5" fill="${p.errors ? 'white' : COLORS[i % 4]}" stroke="${COLORS[i % 4]}"/>`);
    parts.push(`<rect x="${W - m.r + 20}" y="${m.t + i * 24}" width="14" height="4" fill="${COLORS[i % 4]}"/><text x="${W - m.r + 40}" y="${m.t + i * 24 + 6}" font-size="12" font-family="sans-serif">${s.name}</text>`);
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
  writeFileSync(file.replace(/\.png$/, '.svg'), svg);
  writeFileSync(file, new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng());
}
