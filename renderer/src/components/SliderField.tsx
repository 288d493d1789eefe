interface Props {
  /** Used as the input's id and data-testid, so a <label htmlFor> can name it. */
  testId: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange(value: number): void;
  /** What the readout beside the slider shows. */
  readout: string;
  disabled?: boolean;
}

/** A range input with its value shown beside it (one `.row` of a `.grid-form`). */
export function SliderField({ testId, value, min, max, step, onChange, readout, disabled }: Props) {
  return (
    <div className="row">
      <input
        id={testId}
        type="range"
        data-testid={testId}
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <output className={`op-value${disabled ? ' dim' : ''}`}>{readout}</output>
    </div>
  );
}
