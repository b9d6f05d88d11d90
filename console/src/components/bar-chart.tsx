import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
);

interface ChartProps {
  title: string;
  kind: 'bar' | 'line';
  labels: string[];
  values: number[];
}

/**
 * A chart of one series, drawn by Chart.js on a canvas; the same numbers as a table for screen
 * readers and for anyone who wants the figures rather than the picture.
 */
export function SeriesChart({ title, kind, labels, values }: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: kind,
      data: { labels, datasets: [{ label: title, data: values, backgroundColor: '#1d4ed8', borderColor: '#1d4ed8' }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    return () => chart.destroy();
  }, [title, kind, labels.join('\u0000'), values.join(',')]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div class="chart-canvas">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`${title}: ${labels.map((label, i) => `${label} ${values[i]}`).join(', ')}`}
        />
      </div>
      <details>
        <summary>Figures of {title.toLowerCase()}</summary>
        <table>
          <tbody>
            {labels.map((label, index) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td>{values[index]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
