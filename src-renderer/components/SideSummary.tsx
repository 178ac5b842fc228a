// A wizard's choices so far, beside its steps on a wide window: what the user picked, each
// as a short row, "not chosen yet" where a step is still ahead.

export type SideRow = [label: string, value: string | null];

export function SideSummary({ title, rows }: { title: string; rows: SideRow[] }) {
  return (
    <>
      <h2 className="aside-title">{title}</h2>
      <dl className="side-summary">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className={value === null ? 'muted' : undefined}>{value ?? 'not chosen yet'}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
