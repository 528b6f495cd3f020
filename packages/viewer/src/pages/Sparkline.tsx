/** A tiny inline-SVG bar chart of daily counts (the Issues page's last 14 days). */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const w = 4;
  const gap = 1;
  const h = 20;
  const max = Math.max(1, ...values);
  return (
    <svg
      className="sparkline"
      width={values.length * (w + gap)}
      height={h}
      viewBox={`0 0 ${values.length * (w + gap)} ${h}`}
      role="img"
      aria-label={label}
      data-testid="sparkline"
    >
      {values.map((v, i) => {
        // A day with occurrences shows at least one pixel, so a single error is visible.
        const bar = v === 0 ? 0 : Math.max(1, Math.round((v / max) * h));
        return <rect key={i} x={i * (w + gap)} y={h - bar} width={w} height={bar} data-count={v} />;
      })}
    </svg>
  );
}
