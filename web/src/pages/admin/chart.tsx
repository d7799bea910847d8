// Charts with Chart.js, only the parts used registered; this module is imported by admin pages only.
// Each chart has an accessible name and the same figures as a table beside it.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend, Filler);

export function ChartCanvas(props: { label: string; config: ChartConfiguration; testId?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      ...props.config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...props.config.options },
    });
    return () => chart.destroy();
  }, [JSON.stringify(props.config.data)]);
  return (
    <figure class="chart" data-testid={props.testId}>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={props.label} />
      </div>
      <figcaption>{props.label}</figcaption>
    </figure>
  );
}
