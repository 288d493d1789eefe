import { useState } from 'react';

interface Props {
  value: number;
  min: number;
  max: number;
  step: number;
  onCommit(value: number): void;
  testId: string;
  label: string;
  className?: string;
  disabled?: boolean;
}

/**
 * A number input that lets the user type freely (an empty field, a half-typed "0.")
 * and hands every complete number on; on leaving the field it shows the value the
 * store kept (clamped to the range).
 */
export function NumberField({ value, min, max, step, onCommit, testId, label, className, disabled }: Props) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      type="number"
      className={`num-field ${className ?? ''}`}
      data-testid={testId}
      aria-label={label}
      min={min}
      max={max}
      step={step}
      disabled={disabled}
      value={draft ?? String(value)}
      onChange={(e) => {
        setDraft(e.target.value);
        const n = Number(e.target.value);
        if (e.target.value.trim() !== '' && Number.isFinite(n)) onCommit(n);
      }}
      onBlur={() => setDraft(null)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') setDraft(null);
      }}
    />
  );
}
