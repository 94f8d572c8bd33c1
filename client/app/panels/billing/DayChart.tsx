import { type RefObject, useId, useLayoutEffect, useRef, useState } from "react";
import { creditsText, type DayBar } from "../../../../shared/billing-words";

/**
 * Credits spent per day of the month, as bars (SVG as wide as the panel). Each bar
 * names its day and amount on hover and to assistive technology; the chart as a whole says
 * what a glance would: how much, and the day that cost the most.
 */

/** The width drawn before the panel's is known. */
const FIRST_WIDTH = 320;
const HEIGHT = 120;
const AXIS = 18;
const TOP = 14;

const dayName = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const dateOf = (day: string) => new Date(`${day}T00:00:00Z`);

/**
 * The figure's width in CSS pixels, followed as the panel is resized: the SVG draws in those
 * pixels (one unit, one pixel), so its text keeps the size the stylesheet gives it at any
 * width, where a fixed viewBox scaled to the panel would scale its text with it.
 */
function useWidth(): [RefObject<HTMLElement | null>, number] {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(FIRST_WIDTH);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => {
      const w = Math.round(element.getBoundingClientRect().width);
      if (w > 0) setWidth(w);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function DayChart({ days, today }: { days: readonly DayBar[]; today: string }) {
  const titleId = useId();
  const [figure, WIDTH] = useWidth();
  const most = days.reduce<DayBar | null>((top, d) => (d.credits > (top?.credits ?? 0) ? d : top), null);
  const max = Math.max(1, most?.credits ?? 0);
  const slot = WIDTH / Math.max(1, days.length);
  const bar = Math.max(2, slot * 0.7);
  const plot = HEIGHT - AXIS - TOP;
  const spentDays = days.filter((d) => d.credits > 0).length;
  const label = most
    ? `Credits spent per day: ${spentDays} ${spentDays === 1 ? "day" : "days"} with spending, the most on ${dayName.format(dateOf(most.day))} (${creditsText(most.credits)}).`
    : "Credits spent per day: nothing spent yet this month.";
  return (
    <figure className="day-chart" ref={figure}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{label}</title>
        <line className="day-chart-axis" x1={0} x2={WIDTH} y1={HEIGHT - AXIS} y2={HEIGHT - AXIS} />
        <text className="day-chart-max" x={0} y={10}>
          {most ? creditsText(max) : "0 credits"}
        </text>
        {days.map((d, i) => {
          const h = d.credits > 0 ? Math.max(2, (d.credits / max) * plot) : 0;
          const x = i * slot + (slot - bar) / 2;
          // Every week's first day and the last day, leaving out a week's that would crowd the last.
          const last = i === days.length - 1;
          const labelled = last || (d.dayOfMonth % 7 === 1 && days.length - 1 - i >= 3);
          return (
            <g key={d.day} className={d.day === today ? "day-chart-today" : undefined} data-day={d.day}>
              <title>{`${dayName.format(dateOf(d.day))}: ${creditsText(d.credits)}`}</title>
              {/* An empty day still answers a hover: a transparent slot the height of the plot. */}
              <rect x={i * slot} y={TOP} width={slot} height={plot} fill="transparent" />
              <rect className="day-chart-bar" x={x} y={HEIGHT - AXIS - h} width={bar} height={h} rx={1} />
              {labelled && (
                <text className="day-chart-day" x={x + bar / 2} y={HEIGHT - 4} textAnchor="middle">
                  {d.dayOfMonth}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted small" aria-hidden="true">
        {label}
      </figcaption>
    </figure>
  );
}
